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
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .exitProcess(false)
    .fail((message: string | null, error: Error | undefined) => {
      // Throwing here (rather than only printing) keeps yargs from running the command anyway.
      if (message !== null) throw new UsageError(explainUsage(message));
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

/** Unknown flags that came from KV_SIM_* variables are named as such: the user typed no --flag. */
function explainUsage(message: string): string {
  const match = /^Unknown arguments?: (.*)$/s.exec(message.trim());
  if (match === null) return message;
  const names = (match[1] ?? '').split(',').map((name) => name.trim());
  const variables = names.map(envName).filter((variable) => process.env[variable] !== undefined);
  if (variables.length === 0) return message;
  return `${message} (from the environment: ${variables.join(', ')})`;
}

/** fooBar or foo-bar -> KV_SIM_FOO_BAR, the variable yargs reads for --foo-bar. */
function envName(flag: string): string {
  return `KV_SIM_${flag.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase()}`;
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
