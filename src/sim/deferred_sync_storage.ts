/**
 * The disk of a simulated node as a real one behaves under group commit: a save lands in a page
 * cache at once, and a background sync taking a seeded random time of up to `syncDelayMaxMs`
 * virtual ms moves everything written before it started onto the disk (the inner storage, whose
 * observer the checkers watch). Snapshots and the bootstrap membership are synced before they
 * return, like the SQLite storage's. A crash keeps a seeded random prefix of the unsynced writes
 * (what the disk happened to write back before the power went) and loses the rest.
 */
import type { Membership, Snapshot } from '../core/types.js';
import { assert } from '../lib/assert.js';
import type { Prng } from '../lib/prng.js';
import { SyncWaiters } from '../lib/sync_waiters.js';
import type { PersistedState, SaveBatch, Storage } from '../ports/storage.js';
import type { EventQueue } from './event_queue.js';


export interface DeferredSyncOptions {
  /** The disk: writes reach it when synced. */
  inner: Storage;
  queue: EventQueue;
  random: Prng;
  syncDelayMaxMs: number;
  /** Runs a sync's completion in the node: at once, or once a paused node resumes. */
  deliver: (completion: () => void) => void;
}

export class DeferredSyncStorage implements Storage {
  private readonly inner: Storage;
  private readonly queue: EventQueue;
  private readonly random: Prng;
  private readonly syncDelayMaxMs: number;
  private readonly deliver: (completion: () => void) => void;
  /** Set by crash(): the page cache is gone and a sync still scheduled does nothing. */
  private crashed = false;
  /** Written but not synced, oldest first; the first one is write number `synced + 1`. */
  private unsynced: SaveBatch[] = [];
  private writes = 0;
  private synced = 0;
  private syncing = false;
  private readonly waiters = new SyncWaiters();

  constructor(options: DeferredSyncOptions) {
    this.inner = options.inner;
    this.queue = options.queue;
    this.random = options.random;
    this.syncDelayMaxMs = options.syncDelayMaxMs;
    this.deliver = options.deliver;
  }

  /** The power went: a random prefix of the unsynced writes made it to the disk, the rest is lost. */
  crash(): void {
    if (this.crashed) return;
    // Half the crashes lose everything unsynced (the case that finds the most bugs).
    const kept = this.random.next() < 0.5 ? 0 : this.random.int(0, this.unsynced.length);
    this.syncTo(this.synced + kept);
    this.crashed = true;
    this.unsynced = [];
    this.waiters.takeAll(); // a crashed node hears nothing
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
    this.waiters.add(this.writes, callback);
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
      if (this.crashed) return;
      this.syncing = false;
      this.syncTo(target);
      const done = this.waiters.takeCovered(this.synced);
      if (this.waiters.size > 0) this.startSync();
      if (done.length > 0) this.deliver(() => done.forEach((callback) => callback(null)));
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
