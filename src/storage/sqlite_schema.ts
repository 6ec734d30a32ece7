import type { EntryKind } from '../core/types.js';

/**
 * The on-disk layout of a node's SQLite database. Bump SCHEMA_VERSION on any change: a file of a
 * newer version is refused at open rather than misread; older ones are read (see ensureSchema).
 * New files are always made at SCHEMA_VERSION.
 */
export const SCHEMA_VERSION = 3;

const CREATE_CHUNKS_SQL = `CREATE TABLE snapshot_chunks (
  generation INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (generation, seq)
);`;

export const CREATE_SCHEMA_SQL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE hard_state (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  term INTEGER NOT NULL, vote INTEGER NOT NULL, commit_index INTEGER NOT NULL, checksum INTEGER NOT NULL
);
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, kind INTEGER NOT NULL, data BLOB NOT NULL, checksum INTEGER NOT NULL
);
CREATE TABLE snapshot (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  idx INTEGER NOT NULL, term INTEGER NOT NULL, membership TEXT NOT NULL, data BLOB NOT NULL, checksum INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0
);
${CREATE_CHUNKS_SQL}
`;

/**
 * Version 2: a snapshot's data is either inline (generation 0) or in snapshot_chunks rows of its
 * generation, written a chunk per transaction before one small transaction points the snapshot
 * row at them. Chunks of other generations are garbage (a staged write that never committed, or
 * a replaced snapshot), as are entries at or below the snapshot index: load ignores both and
 * collectGarbage removes them in bounded steps.
 */
export const MIGRATE_V1_SQL = `ALTER TABLE snapshot ADD COLUMN generation INTEGER NOT NULL DEFAULT 0; ${CREATE_CHUNKS_SQL}`;

export const TABLE_NAMES = ['entries', 'hard_state', 'meta', 'snapshot', 'snapshot_chunks'] as const;
export const TABLE_NAMES_V1 = ['entries', 'hard_state', 'meta', 'snapshot'] as const;

export const SQL = {
  begin: 'BEGIN',
  commit: 'COMMIT',
  rollback: 'ROLLBACK',
  insertEntry: 'INSERT INTO entries (idx, term, kind, data, checksum) VALUES (?, ?, ?, ?, ?)',
  deleteEntriesFrom: 'DELETE FROM entries WHERE idx >= ?',
  deleteEntriesThrough: 'DELETE FROM entries WHERE idx <= ?',
  deleteAllEntries: 'DELETE FROM entries',
  entryTerm: 'SELECT term FROM entries WHERE idx = ?',
  upsertHardState:
    'INSERT OR REPLACE INTO hard_state (id, term, vote, commit_index, checksum) VALUES (0, ?, ?, ?, ?)',
  upsertSnapshot:
    'INSERT OR REPLACE INTO snapshot (id, idx, term, membership, data, checksum, generation) VALUES (0, ?, ?, ?, ?, ?, ?)',
  insertChunk: 'INSERT OR REPLACE INTO snapshot_chunks (generation, seq, data) VALUES (?, ?, ?)',
  selectChunks: 'SELECT seq, data FROM snapshot_chunks WHERE generation = ? ORDER BY seq',
  selectMaxGeneration:
    'SELECT max(g) AS g FROM (SELECT max(generation) AS g FROM snapshot_chunks UNION ALL SELECT generation AS g FROM snapshot)',
  deleteChunkGarbage:
    'DELETE FROM snapshot_chunks WHERE rowid IN (SELECT rowid FROM snapshot_chunks WHERE generation != ? LIMIT ?)',
  deleteEntryGarbage: 'DELETE FROM entries WHERE idx IN (SELECT idx FROM entries WHERE idx <= ? ORDER BY idx LIMIT ?)',
  countChunkGarbage: 'SELECT count(*) AS n FROM snapshot_chunks WHERE generation != ?',
  countEntryGarbage: 'SELECT count(*) AS n FROM entries WHERE idx <= ?',
  upsertMeta: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)',
  selectMeta: 'SELECT key, value FROM meta',
  selectHardState: 'SELECT term, vote, commit_index, checksum FROM hard_state WHERE id = 0',
  selectSnapshot: 'SELECT idx, term, membership, data, checksum, generation FROM snapshot WHERE id = 0',
  selectEntries: 'SELECT idx, term, kind, data, checksum FROM entries WHERE idx > ? ORDER BY idx',
  selectSnapshotIndex: 'SELECT idx, generation FROM snapshot WHERE id = 0',
  selectLastIndex: 'SELECT max(idx) AS last FROM entries',
  selectTables: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
} as const;

export const META_SCHEMA_VERSION = 'schema_version';
export const META_NODE_ID = 'node_id';
export const META_BOOTSTRAP = 'bootstrap_membership';
/**
 * Version 3: meta names the checksum algorithm of every payload in the file (checksum.ts), crc32 for
 * the files made now. Version 2 and older files have no such row and use FNV-1a; they are read and
 * written as they are. No table changes.
 */
export const META_CHECKSUM = 'checksum_algorithm';

const KIND_CODES: Record<EntryKind, number> = { normal: 0, noop: 1, config: 2 };
const KINDS: readonly EntryKind[] = ['normal', 'noop', 'config'];

export function kindCode(kind: EntryKind): number {
  return KIND_CODES[kind];
}

/** The kind stored under `code`, or undefined for a code no version of us ever wrote. */
export function kindFromCode(code: number): EntryKind | undefined {
  return KINDS[code];
}
