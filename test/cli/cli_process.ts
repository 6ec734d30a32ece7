/**
 * Drives `node bin/kv-sim.cjs` as a child process, the way a user's terminal would: waits on
 * output with bounded deadlines (never bare sleeps), and speaks to the REPL one command at a time
 * using the prompt line it prints after every result when stdin is not a terminal.
 */
import { fileURLToPath } from 'node:url';
import { ChildProcessDriver } from '../support/child_process_driver.js';

export const BIN_PATH = fileURLToPath(new URL('../../bin/kv-sim.cjs', import.meta.url));
const PROMPT_LINE = 'kv-sim>';

/** The environment without KV_SIM_* variables, so the caller's shell cannot change the flags. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('KV_SIM_')) env[name] = value;
  }
  return { ...env, ...extra };
}

export class CliProcess extends ChildProcessDriver {
  /** The exit code, or null when a signal ended the process. */
  readonly exited: Promise<number | null> = this.closed.then((exit) => exit.code);

  constructor(args: string[], env: Record<string, string> = cleanEnv()) {
    super([process.execPath, BIN_PATH, ...args], env, 'kv-sim');
  }

  /** stdout without log lines (JSON objects from pino), as the REPL user reads it. */
  replLines(): string[] {
    return this.stdout.split('\n').filter((line) => !line.startsWith('{'));
  }

  /** Resolves with the first match of `pattern` in stdout; rejects at the deadline or on exit. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return this.waitFor(() => this.replLines().join('\n').match(pattern), timeoutMs, `output ${pattern}`);
  }

  /** Resolves with the first match of `pattern` in stderr (progress lines, logs); rejects at the deadline or on exit. */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return this.waitFor(() => this.stderr.match(pattern), timeoutMs, `stderr ${pattern}`);
  }

  /** Sends one REPL line and resolves with the lines it printed before the next prompt. */
  command(line: string, timeoutMs: number): Promise<string[]> {
    const promptsBefore = this.prompts();
    this.child.stdin.write(`${line}\n`);
    return this.waitFor(
      () => {
        const lines = this.replLines();
        const indices = lines.flatMap((text, i) => (text === PROMPT_LINE ? [i] : []));
        const start = indices[promptsBefore - 1];
        const end = indices[promptsBefore];
        if (start === undefined || end === undefined) return null;
        return lines.slice(start + 1, end);
      },
      timeoutMs,
      `the reply to '${line}'`,
    );
  }

  private prompts(): number {
    return this.replLines().filter((line) => line === PROMPT_LINE).length;
  }
}
