import type { Entry, HardState, Membership, Snapshot } from '../core/types.js';
import { assert } from '../lib/assert.js';
import type { PersistedState, SaveBatch, Storage } from '../ports/storage.js';
import { copyEntry, copyHardState, copyMembership, copySnapshot, EMPTY_HARD_STATE } from './copy.js';
import { ByteSlab } from './byte_slab.js';
import { checkAppend } from './log_rules.js';

/** What a memory "disk" holds; shared by every handle reopened over it. */
export interface MemoryDisk {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** entries[i].index === snapshotIndex + 1 + i, always. */
  entries: Entry[];
  /** Where stored payloads live; entries are views into it, copied with slice() when handed out. */
  slab: ByteSlab;
  bootstrapMembership: Membership | null;
  saveCount: number;
}

/**
 * The storage port in memory, for the deterministic simulator and tests. Every save is durable
 * the moment it returns (like SQLite with fsync 'always'); a crash is modelled by abandoning the
 * handle and calling reopen(), which fences the old handle so a dead node cannot keep writing.
 *
 * Stores deep copies (callers may reuse their arrays and buffers) but does no serialization, so
 * a save costs one small object and one buffer copy per entry.
 */
export class MemoryStorage implements Storage {
  private readonly disk: MemoryDisk;
  private closed = false;

  constructor(disk?: MemoryDisk) {
    this.disk = disk ?? {
      hardState: copyHardState(EMPTY_HARD_STATE),
      snapshot: null,
      entries: [],
      slab: new ByteSlab(),
      bootstrapMembership: null,
      saveCount: 0,
    };
  }

  load(): PersistedState {
    this.checkOpen('load');
    const disk = this.disk;
    return {
      hardState: copyHardState(disk.hardState),
      snapshot: disk.snapshot === null ? null : copySnapshot(disk.snapshot),
      entries: disk.entries.map(copyEntry),
      bootstrapMembership: disk.bootstrapMembership === null ? null : copyMembership(disk.bootstrapMembership),
    };
  }

  bootstrap(membership: Membership): void {
    this.checkOpen('bootstrap');
    if (this.disk.bootstrapMembership === null) this.disk.bootstrapMembership = copyMembership(membership);
  }

  save(batch: SaveBatch): void {
    this.checkOpen('save');
    const disk = this.disk;
    const entries = batch.entries;
    const first = entries[0];
    if (first !== undefined) {
      const snapshotIndex = this.snapshotIndex();
      checkAppend(entries, snapshotIndex, this.lastIndex());
      // Truncate the conflicting suffix, then append: one pass, no intermediate arrays.
      disk.entries.length = first.index - snapshotIndex - 1;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as Entry;
        disk.entries.push({ term: e.term, index: e.index, kind: e.kind, data: disk.slab.copy(e.data) });
      }
    }
    if (batch.hardState !== null) disk.hardState = copyHardState(batch.hardState);
    disk.saveCount++;
  }

  /** Every save is durable when it returns. */
  whenDurable(callback: (error: Error | null) => void): void {
    this.checkOpen('whenDurable');
    callback(null);
  }

  /**
   * Keeps the newer snapshot and drops the entries it covers. Entries after it survive only when
   * the log holds the snapshot's last entry with the same term (Raft §7); otherwise the whole log
   * goes. A snapshot not newer than the stored one changes nothing.
   */
  saveSnapshot(snapshot: Snapshot): void {
    this.checkOpen('saveSnapshot');
    const disk = this.disk;
    const oldSnapshotIndex = this.snapshotIndex();
    const index = snapshot.meta.index;
    if (index <= oldSnapshotIndex) return;
    const covered = disk.entries[index - oldSnapshotIndex - 1];
    if (covered !== undefined && covered.term === snapshot.meta.term) {
      disk.entries.splice(0, index - oldSnapshotIndex);
    } else {
      disk.entries = [];
    }
    disk.snapshot = copySnapshot(snapshot);
    disk.saveCount++;
  }

  close(): void {
    this.closed = true;
  }

  /**
   * A new handle over the same data, as a restarted node would open it. This handle is closed
   * first, so a crashed node's leftover handle can no longer write.
   */
  reopen(): MemoryStorage {
    this.closed = true;
    return new MemoryStorage(this.disk);
  }

  // -- inspection, for simulator checkers outside the code under test (all return copies) -----

  entriesSnapshot(): Entry[] {
    return this.disk.entries.map(copyEntry);
  }

  hardStateSnapshot(): HardState {
    return copyHardState(this.disk.hardState);
  }

  snapshotSnapshot(): Snapshot | null {
    return this.disk.snapshot === null ? null : copySnapshot(this.disk.snapshot);
  }

  /** The stored entry at `index` (a copy), or undefined when compacted or absent. */
  entryAt(index: number): Entry | undefined {
    const entry = this.disk.entries[index - this.snapshotIndex() - 1];
    return entry === undefined ? undefined : copyEntry(entry);
  }

  /** Index covered by the stored snapshot, 0 when there is none. */
  snapshotIndex(): number {
    return this.disk.snapshot?.meta.index ?? 0;
  }

  /** Index of the last stored entry, or the snapshot's index when the log after it is empty. */
  lastIndex(): number {
    return this.snapshotIndex() + this.disk.entries.length;
  }

  /** Number of save() and saveSnapshot() calls that changed the disk. */
  saveCount(): number {
    return this.disk.saveCount;
  }

  isClosed(): boolean {
    return this.closed;
  }

  private checkOpen(operation: string): void {
    assert(!this.closed, () => `MemoryStorage.${operation} after close (a crashed or stopped node is still writing)`);
  }
}
