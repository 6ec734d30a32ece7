/**
 * Opening a node's database file: its directory, its lock, a first start's atomic creation (and
 * the refusal to start blank where the node's data was lost), the connection's settings, and the
 * schema's owner, version and checksum algorithm. The database is reached through the structural
 * SqlDatabase below, so sqlite_storage.ts stays the one importer of node-sqlite3-wasm.
 */
import { accessSync, constants, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NodeId } from '../core/types.js';
import { makeDirectory } from '../lib/make_directory.js';
import { StorageCorruption } from '../ports/storage.js';
import { CHECKSUM_ALGORITHMS, hardStateChecksum, type ChecksumAlgorithm } from './checksum.js';
import { StorageInUse, StorageUnavailable } from './errors.js';
import type { Row } from './sqlite_recovery.js';
import {
  CREATE_SCHEMA_SQL,
  MIGRATE_V1_SQL,
  META_CHECKSUM,
  META_NODE_ID,
  META_SCHEMA_VERSION,
  SCHEMA_VERSION,
  SQL,
  TABLE_NAMES,
  TABLE_NAMES_V1,
} from './sqlite_schema.js';
import type { SqlRunner, SqlValue } from './sqlite_snapshot_write.js';
import type { FsyncPolicy } from './sqlite_storage.js';
import { syncDirectory, syncFile } from './sync_paths.js';

/** What opening needs of a database connection (node-sqlite3-wasm's Database has it). */
export interface SqlDatabase extends SqlRunner {
  exec(sql: string): void;
  get(sql: string, values?: SqlValue[]): Row | null;
  all(sql: string, values?: SqlValue[]): Row[];
  close(): void;
}

/** The WAL file is truncated back to this size after a checkpoint. */
export const WAL_SIZE_LIMIT_BYTES = 8 << 20;

// 'always' syncs each save itself (see GroupSync); NORMAL keeps checkpoints safe (WAL synced before
// its pages are copied, the database synced before the WAL is reused).
const SYNCHRONOUS: Record<FsyncPolicy, string> = { always: 'NORMAL', batch: 'NORMAL', never: 'OFF' };

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function prepareDirectory(dataDir: string): void {
  try {
    makeDirectory(dataDir);
    accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StorageUnavailable(`data directory ${dataDir} cannot be created, read or written: ${describe(error)}`, {
      cause: error,
    });
  }
}

/**
 * The node's database file is missing. That is a first start, unless something says the node ran
 * here before and lost its file: its WAL, shared-memory or lock file left behind, another node's
 * database in the directory (a wrong data dir: a copy, a mixed-up config), or a caller that knows.
 */
export function refuseLostDatabase(file: string, dataDir: string, nodeId: NodeId, mustExist: boolean): void {
  const blank = `refusing to start node ${nodeId} blank`;
  if (mustExist) throw new StorageCorruption(`${file} is missing, though node ${nodeId} ran before; ${blank}`);
  const leftover = [`${file}-wal`, `${file}-shm`, `${file}.lock`].find((path) => existsSync(path));
  if (leftover !== undefined) throw new StorageCorruption(`${file} is missing but ${leftover} is there (the database was removed?); ${blank}`);
  const other = readdirSync(dataDir).find((name) => /^node-\d+\.sqlite$/.test(name) && name !== `node-${nodeId}.sqlite`);
  if (other === undefined) return;
  throw new StorageCorruption(
    `data directory ${dataDir} holds ${other}, another node's database, and none of node ${nodeId}'s: is this the right data directory for node ${nodeId}?`,
  );
}

/**
 * Makes a node's database whole or not at all: the schema is written and synced under a staging
 * name, then renamed into place (and the directory synced). So a file under the real name always
 * holds the schema, and one without it was emptied or replaced; a crash here leaves only staging
 * files, removed by the next attempt.
 */
export function createDatabase(file: string, nodeId: NodeId, sync: boolean, open: (file: string) => SqlDatabase): void {
  const staging = `${file}.new`;
  for (const path of [staging, `${staging}-journal`, `${staging}.lock`]) rmSync(path, { recursive: true, force: true });
  const db = open(staging);
  try {
    db.exec(`PRAGMA synchronous = ${sync ? 'FULL' : 'OFF'}`);
    db.exec(`BEGIN; ${CREATE_SCHEMA_SQL}`);
    db.run(SQL.upsertMeta, [META_SCHEMA_VERSION, String(SCHEMA_VERSION)]);
    db.run(SQL.upsertMeta, [META_NODE_ID, String(nodeId)]);
    db.run(SQL.upsertMeta, [META_CHECKSUM, 'crc32']);
    db.run(SQL.upsertHardState, [0, 0, 0, hardStateChecksum(0, 0, 0)]);
    db.exec('COMMIT');
  } catch (error) {
    throw translateOpenError(staging, error);
  } finally {
    db.close();
  }
  if (sync) syncFile(staging);
  renameSync(staging, file);
  if (sync) syncDirectory(dirname(file));
}

/** node-sqlite3-wasm locks with a `<file>.lock` directory, which a killed owner leaves behind. */
export function handleLock(file: string, breakStaleLock: boolean): void {
  const lockDir = `${file}.lock`;
  if (!existsSync(lockDir)) return;
  if (!breakStaleLock) throw inUse(file);
  rmSync(lockDir, { recursive: true, force: true });
}

export function inUse(file: string): StorageInUse {
  return new StorageInUse(
    `${file} is in use: another handle holds its lock (${file}.lock). If its owner is known to be gone ` +
      `(a crashed process or terminated worker), remove that lock directory (or, from the library, open with breakStaleLock: true)`,
  );
}

/**
 * A SQLite failure while reading an opened file (a damaged page surfaces from whichever read meets
 * it first) as translateOpenError says; anything else (our own refusals, bugs) as it is.
 */
export function translateReadError(file: string, error: unknown): unknown {
  return error instanceof Error && error.name === 'SQLite3Error' ? translateOpenError(file, error) : error;
}

/** Maps SQLite's open-time failures to the errors a caller can act on. */
export function translateOpenError(file: string, error: unknown): Error {
  const message = describe(error);
  if (/locked|busy/i.test(message)) return inUse(file);
  if (/not a database|malformed|corrupt/i.test(message)) {
    return new StorageCorruption(`${file}: not a readable database (${message}); refusing to serve this data`);
  }
  return new StorageUnavailable(`${file}: cannot open: ${message}`, { cause: error });
}

/** EXCLUSIVE before WAL: without it node-sqlite3-wasm silently stays in rollback-journal mode. */
export function configure(db: SqlDatabase, file: string, fsync: FsyncPolicy): void {
  let mode: unknown;
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    mode = db.get('PRAGMA journal_mode = WAL')?.['journal_mode'];
    db.exec(`PRAGMA synchronous = ${SYNCHRONOUS[fsync]}`);
    // Staged snapshot chunks pass through the WAL: truncate it back after checkpoints, so disk use stays bounded.
    db.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  } catch (error) {
    throw translateOpenError(file, error);
  }
  if (mode !== 'wal') throw new StorageUnavailable(`${file}: could not enable WAL (journal_mode is ${String(mode)})`);
}

export function readMeta(db: SqlDatabase): Map<string, unknown> {
  const rows = db.all(SQL.selectMeta) as Row[];
  return new Map(rows.map((row) => [String(row['key']), row['value']]));
}

/**
 * Checks an existing file (known tables, its owner, a version this code reads) before anything is
 * written to it; a version 1 file is then upgraded in place. Returns the file's payload checksum algorithm: recorded in meta since version 3; version 2
 * files are left as they are (readable by the release that made them) and keep FNV-1a.
 */
export function ensureSchema(db: SqlDatabase, file: string, nodeId: NodeId): ChecksumAlgorithm {
  const tables = (db.all(SQL.selectTables) as Row[]).map((row) => String(row['name']));
  if (tables.length === 0) {
    // New files appear complete (createDatabase), so this one was emptied or replaced: starting blank
    // would let the node vote and acknowledge as if it had never promised anything.
    throw new StorageCorruption(
      `${file}: the file exists but holds no kv-sim data (emptied or replaced?); refusing to start this node blank. ` +
        'If it never ran with this file, remove the file; if it did, its log and votes are lost and it must not rejoin as the same member',
    );
  }
  const layout = tables.join(',');
  if (layout !== TABLE_NAMES.join(',') && layout !== TABLE_NAMES_V1.join(',')) {
    throw new StorageCorruption(`${file}: not a kv-sim node database (tables: ${tables.join(', ')})`);
  }
  const meta = readMeta(db);
  const owner = meta.get(META_NODE_ID);
  if (owner !== String(nodeId)) {
    throw new StorageCorruption(`${file}: belongs to node ${String(owner)}, not node ${nodeId}`);
  }
  const version = String(meta.get(META_SCHEMA_VERSION));
  const expectedLayout = version === '1' ? TABLE_NAMES_V1 : TABLE_NAMES;
  if (!['1', '2', String(SCHEMA_VERSION)].includes(version) || layout !== expectedLayout.join(',')) {
    throw new StorageCorruption(
      `${file}: schema version ${version} with tables ${tables.join(', ')} is not one this kv-sim reads (versions 1 to ${SCHEMA_VERSION})`,
    );
  }
  if (version === '1') {
    // Version 1 kept snapshots inline only: add the chunk table, one transaction.
    try {
      db.exec(`BEGIN; ${MIGRATE_V1_SQL}`);
      db.run(SQL.upsertMeta, [META_SCHEMA_VERSION, '2']);
      db.exec('COMMIT');
    } catch (error) {
      throw translateOpenError(file, error);
    }
    return 'fnv1a32';
  }
  if (version === '2') return 'fnv1a32';
  const checksums = meta.get(META_CHECKSUM);
  if (!CHECKSUM_ALGORITHMS.includes(checksums as ChecksumAlgorithm)) {
    throw new StorageCorruption(`${file}: unknown checksum algorithm ${String(checksums)} (known: ${CHECKSUM_ALGORITHMS.join(', ')})`);
  }
  return checksums as ChecksumAlgorithm;
}
