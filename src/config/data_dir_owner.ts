/**
 * One `kv-sim node` process per data dir. SQLite's lock directory outlives a SIGKILLed owner, and
 * storage only breaks such a lock when the caller knows the owner is gone; a pid file tells us.
 * (Pids are per host: a data dir shared between hosts is not supported.)
 */
import { accessSync, constants, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../lib/make_directory.js';
import { processAlive } from '../lib/process_alive.js';
import { ConfigError } from './load_node_settings.js';

export const OWNER_FILE = 'kv-sim-node.pid';

export interface DataDirClaim {
  /** True when a previous owner left the dir behind without releasing it (it was killed). */
  previousOwnerGone: boolean;
  release(): void;
}

/** Creates the dir when missing, checks it is usable, and records this process as its owner. */
export function claimDataDir(dataDir: string): DataDirClaim {
  try {
    makeDirectory(dataDir);
  } catch (error) {
    throw new ConfigError(`data-dir ${dataDir} cannot be created: ${code(error)}`);
  }
  try {
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new ConfigError(`data-dir ${dataDir} cannot be read and written: ${code(error)}`);
  }
  const file = join(dataDir, OWNER_FILE);
  const previous = readOwner(file);
  if (previous !== null && previous !== process.pid && processAlive(previous)) {
    throw new ConfigError(`data-dir ${dataDir} is in use by process ${previous} (another kv-sim node? if that process is something else, remove ${file})`);
  }
  try {
    writeFileSync(file, `${process.pid}\n`);
  } catch (error) {
    throw new ConfigError(`data-dir ${dataDir} cannot be written: ${code(error)}`);
  }
  return {
    previousOwnerGone: previous !== null,
    release: () => {
      // Only our own claim: never remove a file a newer owner wrote.
      if (readOwner(file) === process.pid) rmSync(file, { force: true });
    },
  };
}

function readOwner(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
