/**
 * Drives `node bin/kv-sim.cjs` as a child process, the way a user's terminal would: waits on
 * output with bounded deadlines (never bare sleeps), and speaks to the REPL one command at a time
 * using the prompt line it prints after every result when stdin is not a terminal.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(args: string[], env: Record<string, string> = cleanEnv()) {
    this.child = spawn(process.execPath, [BIN_PATH, ...args], { env, stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.append('stdout', chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.append('stderr', chunk));
    // 'close' (not 'exit'): it comes after the last output has been read from the pipes.
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        this.closed = true;
        this.wake();
        resolve(code);
      }),
    );
  }

  /** stdout without log lines (JSON objects from pino), as the REPL user reads it. */
  replLines(): string[] {
    return this.stdout.split('\n').filter((line) => !line.startsWith('{'));
  }

  /** Resolves with the first match of `pattern` in stdout; rejects at the deadline or on exit. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const found = await this.until(() => this.replLines().join('\n').match(pattern), timeoutMs, `output ${pattern}`);
    return found;
  }

  /** Sends one REPL line and resolves with the lines it printed before the next prompt. */
  async command(line: string, timeoutMs: number): Promise<string[]> {
    const promptsBefore = this.prompts();
    this.child.stdin.write(`${line}\n`);
    return this.until(
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

  /** Kills the process if a test left it running, so a failed test cannot leak a cluster. */
  async kill(): Promise<void> {
    if (!this.closed) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private prompts(): number {
    return this.replLines().filter((line) => line === PROMPT_LINE).length;
  }

  private append(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this[stream] += chunk.toString('utf8');
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private until<T>(check: () => T | null | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      const attempt = (): void => {
        const value = check();
        if (value !== null && value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else if (this.closed) {
          clearTimeout(timer);
          reject(new Error(`kv-sim exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
        } else {
          this.waiters.push(attempt);
        }
      };
      attempt();
    });
  }
}
