/**
 * The `kv-sim` command line: yargs wiring only. Every command lives in its own module; this file
 * sets the shared rules: --help everywhere, KV_SIM_* environment variables as flags, and a
 * one-line error with exit code 1 for unknown commands, unknown flags and bad values.
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
import { simCommand } from './sim_command.js';
import { upCommand } from './up_command.js';

/** A usage error (unknown command or flag, bad value): reported in one line, exit code 1. */
class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs the CLI with the given arguments (without node and script); resolves when it is done. */
export async function main(args: string[] = hideBin(process.argv)): Promise<void> {
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
    process.exitCode = 1;
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
function ignoreOtherCommandsVariables(argv: Record<string, unknown>, parser: { getOptions(): { key: Record<string, unknown> } }): void {
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
