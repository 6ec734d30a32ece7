/**
 * The `kv-sim` command line: yargs wiring only. Every command lives in its own module; this file
 * sets the shared rules: --help everywhere, KV_SIM_* environment variables as flags, a one-line
 * error with exit code 2 for unknown commands, unknown flags and bad values (as chaos has always
 * done: 1 means a command ran and failed, e.g. sim's failed seeds), and 1 for any other error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { clusterConfigCommand } from './cluster_config_command.js';
import { ctlCommand } from './ctl_command.js';
import { nodeCommand } from './node_command.js';
import { chaosCommand } from './chaos_command.js';
import { watchForClosedOutput } from './closed_output.js';
import { simCommand } from './sim_command.js';
import { upCommand } from './up_command.js';

/** A usage error (unknown command or flag, bad value): reported in one line, exit code 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

const EXIT_USAGE = 2;
const EXIT_ERROR = 1;

/** Runs the CLI with the given arguments (without node and script); resolves when it is done. */
export async function main(args: string[] = hideBin(process.argv)): Promise<void> {
  watchForClosedOutput();
  const cli = yargs(args)
    .scriptName('kv-sim')
    .usage('$0 <command> [options]\n\nA fault-tolerant key-value store on Raft, as a cluster emulator.')
    .command(upCommand)
    .command(simCommand)
    .command(chaosCommand)
    .command(nodeCommand)
    .command(ctlCommand)
    .command(clusterConfigCommand)
    .demandCommand(1, 'a command is needed, e.g. kv-sim up --nodes 5')
    .recommendCommands()
    .strict()
    .env('KV_SIM')
    // yargs passes the running command's parser as a second argument; @types/yargs declares one.
    .middleware(ignoreOtherCommandsVariables as unknown as (argv: Record<string, unknown>) => void, true)
    .middleware(((argv: Record<string, unknown>, parser: YargsParser) => rejectNonNumbers(argv, parser, args)) as unknown as (argv: Record<string, unknown>) => void, true)
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .exitProcess(false)
    .fail((message: string | null, error: Error | undefined) => {
      // Throwing here (rather than only printing) keeps yargs from running the command anyway.
      if (message !== null) throw new UsageError(message);
      throw error ?? new Error('failed');
    });
  try {
    await cli.parseAsync();
  } catch (error) {
    // One line, no stack: what went wrong, and for usage errors where to look.
    const text = error instanceof Error ? error.message : String(error);
    const hint = error instanceof UsageError ? ' (see kv-sim --help)' : '';
    process.stderr.write(`kv-sim: ${oneLine(text)}${hint}\n`);
    process.exitCode = error instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
  }
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/**
 * KV_SIM_* variables set flags, but only those of the command being run: a shell that sets
 * KV_SIM_ID for `kv-sim node` must not break `kv-sim up`, which has no --id. Runs before strict
 * validation, so flags typed on the command line are still checked as usual.
 */
function ignoreOtherCommandsVariables(argv: Record<string, unknown>, parser: YargsParser): void {
  const known = parser.getOptions().key;
  for (const variable of Object.keys(process.env)) {
    if (!variable.startsWith(ENV_PREFIX)) continue;
    const kebab = variable.slice(ENV_PREFIX.length).toLowerCase().replace(/_/g, '-');
    const camel = kebab.replace(/-(.)/g, (_, letter: string) => letter.toUpperCase());
    if (kebab in known || camel in known) continue;
    delete argv[kebab];
    delete argv[camel];
  }
}

const ENV_PREFIX = 'KV_SIM_';

interface YargsParser {
  getOptions(): { key: Record<string, unknown>; number?: string[]; alias?: Record<string, string[]> };
}

/**
 * yargs turns a numeric flag's text that is not a number into NaN, and the command's own check
 * would then say "got NaN": say what was typed (or set in KV_SIM_*) instead.
 */
function rejectNonNumbers(argv: Record<string, unknown>, parser: YargsParser, args: readonly string[]): void {
  const options = parser.getOptions();
  for (const name of options.number ?? []) {
    const values = ([] as unknown[]).concat(argv[name]);
    if (!values.some((value) => typeof value === 'number' && Number.isNaN(value))) continue;
    const kebab = name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    const spellings = [kebab, ...(options.alias?.[name] ?? [])].map((flag) => (flag.length === 1 ? `-${flag}` : `--${flag}`));
    throw new UsageError(`--${kebab} must be a number, got ${typedText(kebab, spellings, args)}`);
  }
}

/** What the user gave for a flag: on the command line (--name x, --name=x, -n x) or in KV_SIM_NAME. */
function typedText(kebab: string, spellings: readonly string[], args: readonly string[]): string {
  for (let i = args.length - 1; i >= 0; i--) {
    const arg = args[i] as string;
    for (const flag of spellings) {
      if (arg.startsWith(`${flag}=`)) return `'${arg.slice(flag.length + 1)}'`;
      if (arg === flag && i + 1 < args.length) return `'${args[i + 1] as string}'`;
    }
  }
  const variable = `${ENV_PREFIX}${kebab.toUpperCase().replace(/-/g, '_')}`;
  const fromEnv = process.env[variable];
  return fromEnv === undefined ? 'a value that is not a number' : `'${fromEnv}' (from ${variable})`;
}

/** The version from package.json, found by walking up from this file (src/ or dist/src/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'kv-sim' && parsed.version !== undefined) return parsed.version;
    } catch {
      // not here; keep walking up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
