import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import sqlite3 from 'node-sqlite3-wasm';
import type { Database as SqliteDatabase, Statement } from 'node-sqlite3-wasm';
import type { Entry, Membership, NodeId, Snapshot } from '../core/types.js';
import { assert } from '../lib/assert.js';
import type { PersistedState, SaveBatch, Storage } from '../ports/storage.js';
import { entryChecksum, hardStateChecksum, type ChecksumAlgorithm } from './checksum.js';
import { StorageUnavailable } from './errors.js';
import { GroupSync } from './group_sync.js';
import { checkAppend } from './log_rules.js';
import * as recovery from './sqlite_recovery.js';
import type { Row } from './sqlite_recovery.js';
import { sqliteFileFor } from './sqlite_file_name.js';
import { StagedSnapshotWrite } from './sqlite_snapshot_write.js';

export { sqliteFileFor };
import {
  configure,
  createDatabase,
  describe,
  ensureSchema,
  handleLock,
  inUse,
  prepareDirectory,
  readMeta,
  refuseLostDatabase,
  translateOpenError,
  translateReadError,
} from './sqlite_open.js';
import { kindCode, META_BOOTSTRAP, SQL } from './sqlite_schema.js';

// The only importer of node-sqlite3-wasm. A named import fails at run time (CommonJS module).
const { Database } = sqlite3;

/**
 * always: every save is fdatasynced (survives power loss): in the background, as a group commit —
 *         whenDurable calls back once a sync that started after the save has finished. Snapshot
 *         and bootstrap writes are synced before they return.
 * batch:  synchronous=NORMAL, WAL fsynced at checkpoints (survives a process crash, not power loss).
 * never:  synchronous=OFF (tests and benchmarks only).
 */
export type FsyncPolicy = 'always' | 'batch' | 'never';

/**
 * Files open in this thread. breakStaleLock must never break the lock of a live handle; across
 * threads and processes only the caller can know the owner is gone, but here we can check.
 */
const openFiles = new Set<string>();

export interface SqliteStorageOptions {
  /** Directory of the node's database; created when missing. */
  dataDir: string;
  nodeId: NodeId;
  /** Durable by default. */
  fsync?: FsyncPolicy;
  /**
   * Remove a lock left by a previous owner before opening. Only for a caller that knows the
   * old owner is gone (the restart path after a crash or a terminated worker): breaking the
   * lock of a live handle would let two writers corrupt the file.
   */
  breakStaleLock?: boolean;
  /**
   * The database must already exist (a node that ran before: the emulator restarting it). A missing
   * file is then refused rather than made anew: a blank node could vote and acknowledge as if it
   * had never promised anything.
   */
  mustExist?: boolean;
}


interface Statements {
  begin: Statement;
  commit: Statement;
  rollback: Statement;
  insertEntry: Statement;
  deleteEntriesFrom: Statement;
  upsertHardState: Statement;
}

/**
 * The storage port on SQLite: one database file per node, WAL with exclusive locking, one
 * transaction per save with reused prepared statements. Single-threaded and synchronous, like
 * the port; one handle per file (the file lock refuses a second one).
 */
export class SqliteStorage implements Storage {
  readonly file: string;
  private readonly db: SqliteDatabase;
  private readonly statements: Statements;
  /** The payload checksum of every row of this file (fixed when the file was made). */
  private readonly checksums: ChecksumAlgorithm;
  /** Syncs the WAL after saves under fsync 'always'; null under the other policies. */
  private readonly groupSync: GroupSync | null;
  private snapshotIndex = 0;
  /** Index of the last stored entry, or snapshotIndex when the log after it is empty. */
  private lastIndex = 0;
  private closed = false;

  constructor(options: SqliteStorageOptions) {
    if (!Number.isSafeInteger(options.nodeId) || options.nodeId <= 0) {
      throw new RangeError(`SqliteStorage: node id must be a positive integer, got ${String(options.nodeId)}`);
    }
    this.file = resolve(sqliteFileFor(options.dataDir, options.nodeId));
    prepareDirectory(options.dataDir);
    if (openFiles.has(this.file)) throw inUse(this.file);
    if (!existsSync(this.file)) {
      refuseLostDatabase(this.file, options.dataDir, options.nodeId, options.mustExist === true);
      createDatabase(this.file, options.nodeId, (options.fsync ?? 'always') !== 'never', openDatabase);
    }
    handleLock(this.file, options.breakStaleLock === true);
    this.db = openDatabase(this.file);
    try {
      configure(this.db, this.file, options.fsync ?? 'always');
      this.checksums = ensureSchema(this.db, this.file, options.nodeId);
      this.statements = {
        begin: this.db.prepare(SQL.begin),
        commit: this.db.prepare(SQL.commit),
        rollback: this.db.prepare(SQL.rollback),
        insertEntry: this.db.prepare(SQL.insertEntry),
        deleteEntriesFrom: this.db.prepare(SQL.deleteEntriesFrom),
        upsertHardState: this.db.prepare(SQL.upsertHardState),
      };
      this.refreshBounds();
    } catch (error) {
      this.db.close();
      throw translateReadError(this.file, error);
    }
    this.groupSync = (options.fsync ?? 'always') === 'always' ? new GroupSync(`${this.file}-wal`) : null;
    openFiles.add(this.file);
  }

  load(): PersistedState {
    this.checkOpen('load');
    try {
      return this.readState();
    } catch (error) {
      throw translateReadError(this.file, error);
    }
  }

  private readState(): PersistedState {
    const file = this.file;
    const meta = readMeta(this.db);
    const hardState = recovery.decodeHardState(this.db.get(SQL.selectHardState) as Row | null, file);
    const readChunks = (generation: number): Row[] => this.db.all(SQL.selectChunks, [generation]) as Row[];
    const checksums = this.checksums;
    const snapshot = recovery.decodeSnapshot(this.db.get(SQL.selectSnapshot) as Row | null, file, checksums, readChunks);
    // Entries at or below the snapshot are garbage left for collectGarbage(): not part of the log.
    const rows = this.db.all(SQL.selectEntries, [snapshot?.meta.index ?? 0]) as Row[];
    const entries = recovery.decodeEntries(rows, snapshot, file, checksums);
    const lastIndex = entries.at(-1)?.index ?? snapshot?.meta.index ?? 0;
    recovery.checkCommitCovered(hardState, lastIndex, file);
    const bootstrapJson = meta.get(META_BOOTSTRAP);
    const bootstrapMembership =
      bootstrapJson === undefined ? null : recovery.decodeMembership(bootstrapJson, file, 'bootstrap membership');
    this.snapshotIndex = snapshot?.meta.index ?? 0;
    this.lastIndex = lastIndex;
    return { hardState, snapshot, entries, bootstrapMembership };
  }

  bootstrap(membership: Membership): void {
    this.checkOpen('bootstrap');
    if (readMeta(this.db).has(META_BOOTSTRAP)) return;
    const json = JSON.stringify({ voters: membership.voters, learners: membership.learners });
    this.db.run(SQL.upsertMeta, [META_BOOTSTRAP, json]);
    this.syncNow();
  }

  /** One transaction: truncate a conflicting suffix, append, write the hard state. */
  save(batch: SaveBatch): void {
    this.checkOpen('save');
    this.checkNotFailed();
    const { entries, hardState } = batch;
    if (entries.length === 0 && hardState === null) return;
    const first = entries[0];
    if (first !== undefined) checkAppend(entries, this.snapshotIndex, this.lastIndex);
    const s = this.statements;
    const checksums = this.checksums;
    this.transaction('save', () => {
      if (first !== undefined && first.index <= this.lastIndex) s.deleteEntriesFrom.run([first.index]);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as Entry;
        const code = kindCode(e.kind);
        s.insertEntry.run([e.index, e.term, code, e.data, entryChecksum(checksums, e.index, e.term, code, e.data)]);
      }
      if (hardState !== null) {
        const { term, vote, commit } = hardState;
        s.upsertHardState.run([term, vote, commit, hardStateChecksum(term, vote, commit)]);
      }
    });
    if (first !== undefined) this.lastIndex = first.index + entries.length - 1;
    this.groupSync?.wrote();
  }

  whenDurable(callback: (error: Error | null) => void): void {
    this.checkOpen('whenDurable');
    if (this.groupSync === null) return callback(null);
    this.groupSync.whenDurable(callback);
  }

  /** After a failed sync, nothing written can be called durable: the node must stop. */
  private checkNotFailed(): void {
    const failure = this.groupSync?.failed;
    if (failure) throw new StorageUnavailable(`${this.file}: the disk failed a sync earlier: ${failure.message}`, { cause: failure });
  }

  /** Under fsync 'always', makes every write so far durable before returning. */
  private syncNow(): void {
    if (this.groupSync === null) return;
    this.groupSync.wrote();
    try {
      this.groupSync.syncNow();
    } catch (error) {
      throw new StorageUnavailable(`${this.file}: sync failed: ${describe(error)}`, { cause: error });
    }
  }

  /**
   * Same rules as MemoryStorage.saveSnapshot: keeps a matching suffix, else drops the log. One
   * transaction; the data goes in chunks of a new generation like a staged write's (so a later
   * swap never has to free one huge row). A staged write in progress is void after this.
   */
  saveSnapshot(snapshot: Snapshot): void {
    this.checkOpen('saveSnapshot');
    const { index, term } = snapshot.meta;
    if (index <= this.snapshotIndex) return;
    const write = new StagedSnapshotWrite(this.db, snapshot, this.nextGeneration(), this.checksums);
    this.transaction('saveSnapshot', () => {
      const row = this.db.get(SQL.entryTerm, [index]) as Row | null;
      const keepSuffix = row !== null && row['term'] === term;
      // Entries up to the snapshot are left for collectGarbage (load ignores them); a conflicting log goes now.
      if (!keepSuffix) this.db.run(SQL.deleteAllEntries);
      while (!write.step());
      this.db.run(SQL.upsertSnapshot, write.rowValues());
    });
    this.syncNow();
    this.refreshBounds();
  }

  private nextGeneration(): number {
    const row = this.db.get(SQL.selectMaxGeneration) as Row | null;
    return (typeof row?.['g'] === 'number' ? row['g'] : 0) + 1;
  }

  /**
   * Starts writing a snapshot of our own log in bounded steps (see StagedSnapshotWrite); null
   * when the stored snapshot is already as new. Finish with commitSnapshotWrite().
   */
  beginSnapshotWrite(snapshot: Snapshot): StagedSnapshotWrite | null {
    this.checkOpen('beginSnapshotWrite');
    if (snapshot.meta.index <= this.snapshotIndex) return null;
    return new StagedSnapshotWrite(this.db, snapshot, this.nextGeneration(), this.checksums);
  }

  /**
   * Makes a fully staged snapshot the stored one, in one small transaction. False (nothing
   * changes) when a newer snapshot was stored meanwhile or the log no longer holds its last entry.
   */
  commitSnapshotWrite(write: StagedSnapshotWrite): boolean {
    this.checkOpen('commitSnapshotWrite');
    assert(write.done, 'commitSnapshotWrite before every chunk was staged');
    const { index, term } = write.snapshot.meta;
    if (index <= this.snapshotIndex) return false;
    let committed = false;
    this.transaction('commitSnapshotWrite', () => {
      const row = this.db.get(SQL.entryTerm, [index]) as Row | null;
      if (row === null || row['term'] !== term) return;
      this.db.run(SQL.upsertSnapshot, write.rowValues());
      committed = true;
    });
    this.syncNow();
    this.refreshBounds();
    return committed;
  }

  /**
   * Deletes up to `maxChunks` chunks of other generations and `maxEntries` entries at or below the
   * snapshot (garbage); returns how many rows went. Call until it returns 0.
   */
  collectGarbage(maxEntries: number, maxChunks = Math.max(1, maxEntries >>> 6)): number {
    this.checkOpen('collectGarbage');
    let deleted = 0;
    this.transaction('collectGarbage', () => {
      const current = this.db.get(SQL.selectSnapshotIndex) as Row | null;
      const generation = typeof current?.['generation'] === 'number' ? current['generation'] : 0;
      deleted += this.changes(SQL.deleteChunkGarbage, [generation, maxChunks]);
      deleted += this.changes(SQL.deleteEntryGarbage, [this.snapshotIndex, maxEntries]);
    });
    return deleted;
  }

  /** Row counts on disk (log entries, snapshot chunks), for tests, status and benchmarks. */
  rowCounts(): { entries: number; chunks: number } {
    this.checkOpen('rowCounts');
    const count = (sql: string): number => Number((this.db.get(sql) as Row | null)?.['n'] ?? 0);
    return { entries: count('SELECT count(*) AS n FROM entries'), chunks: count('SELECT count(*) AS n FROM snapshot_chunks') };
  }

  private changes(sql: string, values: number[]): number {
    return this.db.run(sql, values).changes;
  }

  /** Finalizes the statements and closes the database (releasing its lock). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    openFiles.delete(this.file);
    this.groupSync?.close();
    for (const statement of Object.values(this.statements)) statement.finalize();
    this.db.close();
  }

  private transaction(operation: string, body: () => void): void {
    const s = this.statements;
    s.begin.run();
    try {
      body();
      s.commit.run();
    } catch (error) {
      if (this.db.inTransaction) s.rollback.run();
      throw new StorageUnavailable(`${this.file}: ${operation} failed: ${describe(error)}`, { cause: error });
    }
  }

  private refreshBounds(): void {
    const snapshotRow = this.db.get(SQL.selectSnapshotIndex) as Row | null;
    const snapshotIndex = typeof snapshotRow?.['idx'] === 'number' ? snapshotRow['idx'] : 0;
    const last = (this.db.get(SQL.selectLastIndex) as Row | null)?.['last'];
    this.snapshotIndex = snapshotIndex;
    this.lastIndex = typeof last === 'number' ? Math.max(last, snapshotIndex) : snapshotIndex;
  }

  private checkOpen(operation: string): void {
    assert(!this.closed, () => `SqliteStorage.${operation} after close (${this.file})`);
  }
}

function openDatabase(file: string): SqliteDatabase {
  try {
    return new Database(file);
  } catch (error) {
    throw translateOpenError(file, error);
  }
}
