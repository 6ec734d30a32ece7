import type { EntryKind } from '../core/types.js';

/**
 * The on-disk layout of a node's SQLite database. Bump SCHEMA_VERSION on any change: a file
 * written under another version is refused at open rather than misread.
 */
export const SCHEMA_VERSION = 1;

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
  idx INTEGER NOT NULL, term INTEGER NOT NULL, membership TEXT NOT NULL, data BLOB NOT NULL, checksum INTEGER NOT NULL
);
`;

export const TABLE_NAMES = ['entries', 'hard_state', 'meta', 'snapshot'] as const;

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
    'INSERT OR REPLACE INTO snapshot (id, idx, term, membership, data, checksum) VALUES (0, ?, ?, ?, ?, ?)',
  upsertMeta: 'INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)',
  selectMeta: 'SELECT key, value FROM meta',
  selectHardState: 'SELECT term, vote, commit_index, checksum FROM hard_state WHERE id = 0',
  selectSnapshot: 'SELECT idx, term, membership, data, checksum FROM snapshot WHERE id = 0',
  selectEntries: 'SELECT idx, term, kind, data, checksum FROM entries ORDER BY idx',
  selectSnapshotIndex: 'SELECT idx FROM snapshot WHERE id = 0',
  selectLastIndex: 'SELECT max(idx) AS last FROM entries',
  selectTables: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
} as const;

export const META_SCHEMA_VERSION = 'schema_version';
export const META_NODE_ID = 'node_id';
export const META_BOOTSTRAP = 'bootstrap_membership';

const KIND_CODES: Record<EntryKind, number> = { normal: 0, noop: 1, config: 2 };
const KINDS: readonly EntryKind[] = ['normal', 'noop', 'config'];

export function kindCode(kind: EntryKind): number {
  return KIND_CODES[kind];
}

/** The kind stored under `code`, or undefined for a code no version of us ever wrote. */
export function kindFromCode(code: number): EntryKind | undefined {
  return KINDS[code];
}
