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
import { upCommand } from './up_command.js';

/** Runs the CLI with the given arguments (without node and script); resolves when it is done. */
export async function main(args: string[] = hideBin(process.argv)): Promise<void> {
  let failed = false;
  const cli = yargs(args)
    .scriptName('kv-sim')
    .usage('$0 <command> [options]\n\nA fault-tolerant key-value store on Raft, as a cluster emulator.')
    .command(upCommand)
    .demandCommand(1, 'a command is needed, e.g. kv-sim up --nodes 5 (see kv-sim --help)')
    .recommendCommands()
    .strict()
    .env('KV_SIM')
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .exitProcess(false)
    .fail((message: string | null, error: Error | undefined) => {
      failed = true;
      // A failure inside a running command is still one line: what went wrong, not where.
      const text = message ?? error?.message ?? 'failed';
      const hint = message === null ? '' : ' (see kv-sim --help)';
      process.stderr.write(`kv-sim: ${text.split('\n')[0] ?? text}${hint}\n`);
    });
  try {
    await cli.parseAsync();
  } catch (error) {
    // With exitProcess(false), yargs rethrows after calling fail(); fail() already reported it.
    if (!failed) process.stderr.write(`kv-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    failed = true;
  }
  if (failed) process.exitCode = 1;
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
