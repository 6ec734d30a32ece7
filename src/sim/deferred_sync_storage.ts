/**
 * The disk of a simulated node as a real one behaves under group commit: a save lands in a page
 * cache at once, and a background sync taking a seeded random time of up to `syncDelayMaxMs`
 * virtual ms moves everything written before it started onto the disk (the inner storage, whose
 * observer the checkers watch). A crash loses what was not synced yet. Snapshots and the bootstrap
 * membership are synced before they return, like the SQLite storage's.
 */
import type { Membership, Snapshot } from '../core/types.js';
import { assert } from '../lib/assert.js';
import type { Prng } from '../lib/prng.js';
import type { PersistedState, SaveBatch, Storage } from '../ports/storage.js';
import type { EventQueue } from './event_queue.js';

type Waiter = { writes: number; callback: (error: Error | null) => void };

export class DeferredSyncStorage implements Storage {
  private readonly inner: Storage;
  private readonly queue: EventQueue;
  private readonly random: Prng;
  private readonly syncDelayMaxMs: number;
  /** False once the node crashed: its page cache is gone and a sync still scheduled does nothing. */
  private readonly alive: () => boolean;
  /** Written but not synced, oldest first; the first one is write number `synced + 1`. */
  private unsynced: SaveBatch[] = [];
  private writes = 0;
  private synced = 0;
  private syncing = false;
  private waiters: Waiter[] = [];

  constructor(inner: Storage, queue: EventQueue, random: Prng, syncDelayMaxMs: number, alive: () => boolean) {
    this.inner = inner;
    this.queue = queue;
    this.random = random;
    this.syncDelayMaxMs = syncDelayMaxMs;
    this.alive = alive;
  }

  load(): PersistedState {
    assert(this.unsynced.length === 0, 'load with unsynced writes');
    return this.inner.load();
  }

  bootstrap(membership: Membership): void {
    this.syncAll();
    this.inner.bootstrap(membership);
  }

  save(batch: SaveBatch): void {
    if (batch.hardState === null && batch.entries.length === 0) return;
    this.unsynced.push(batch);
    this.writes++;
  }

  whenDurable(callback: (error: Error | null) => void): void {
    if (this.synced >= this.writes) return callback(null);
    this.waiters.push({ writes: this.writes, callback });
    this.startSync();
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.syncAll();
    this.inner.saveSnapshot(snapshot);
  }

  close(): void {
    this.inner.close();
  }

  private startSync(): void {
    if (this.syncing) return;
    this.syncing = true;
    const target = this.writes;
    this.queue.after(this.random.next() * this.syncDelayMaxMs, () => {
      if (!this.alive()) return;
      this.syncing = false;
      this.syncTo(target);
      const waiters = this.waiters;
      this.waiters = waiters.filter((w) => w.writes > this.synced);
      for (const waiter of waiters) if (waiter.writes <= this.synced) waiter.callback(null);
      if (this.waiters.length > 0) this.startSync();
    });
  }

  private syncAll(): void {
    this.syncTo(this.writes);
  }

  /** Moves writes up to number `target` onto the disk, in order. */
  private syncTo(target: number): void {
    const count = target - this.synced;
    if (count <= 0) return;
    for (const batch of this.unsynced.splice(0, count)) this.inner.save(batch);
    this.synced = target;
  }
}
