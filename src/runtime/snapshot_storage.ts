/**
 * The storage the driver sees in a real runtime: SQLite, except that the snapshot the runtime's
 * own SnapshotRunner asked the driver to take is not written at once. It becomes a staged write
 * that the runner carries out in bounded steps (see StagedSnapshotWrite). Deferring it is safe:
 * until it commits, the disk keeps the previous snapshot and the whole log after it.
 *
 * A snapshot installed from the leader is written at once, as the core requires (it is stored
 * before the follower acknowledges it and appends after it).
 */
import type { Snapshot } from '../core/types.js';
import type { Storage } from '../ports/storage.js';
import type { SqliteStorage } from '../storage/sqlite_storage.js';
import type { StagedSnapshotWrite } from '../storage/sqlite_snapshot_write.js';

export class SnapshotStorage implements Storage {
  readonly inner: SqliteStorage;
  private deferring = false;
  private staged: StagedSnapshotWrite | null = null;

  constructor(inner: SqliteStorage) {
    this.inner = inner;
  }

  load = (): ReturnType<Storage['load']> => this.inner.load();
  bootstrap: Storage['bootstrap'] = (membership) => this.inner.bootstrap(membership);
  save: Storage['save'] = (batch) => this.inner.save(batch);
  whenDurable: Storage['whenDurable'] = (callback) => this.inner.whenDurable(callback);
  close = (): void => this.inner.close();

  saveSnapshot(snapshot: Snapshot): void {
    if (this.deferring) {
      this.staged = this.inner.beginSnapshotWrite(snapshot);
      return;
    }
    this.staged = null; // a newer snapshot from the leader supersedes our own staged one
    this.inner.saveSnapshot(snapshot);
  }

  /** Runs `take` (a driver.snapshotNow()) with our own snapshot deferred; returns its staged write. */
  deferWhile(take: () => void): StagedSnapshotWrite | null {
    this.deferring = true;
    this.staged = null;
    try {
      take();
    } finally {
      this.deferring = false;
    }
    return this.staged;
  }

  /** Whether `write` is still the one to commit (an installed snapshot voids it). */
  isCurrent(write: StagedSnapshotWrite): boolean {
    return this.staged === write;
  }

  settle(write: StagedSnapshotWrite): void {
    if (this.staged === write) this.staged = null;
  }
}
