import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { SyncWaiters } from '../lib/sync_waiters.js';
import { syncDirectory } from './sync_paths.js';

/**
 * Group commit for one file that is written synchronously but synced in the background: each
 * write is counted, and one fdatasync at a time runs on libuv's thread pool, covering every write
 * made before it started. Whoever waits on a sync is called back when one that started after
 * their writes has finished, so a burst of writes made while a sync runs shares the next one.
 *
 * The file is opened on first use (SQLite creates its WAL at the first write), and its directory
 * synced once then, so the new name itself survives a power loss.
 *
 * A failed sync is final: the kernel may have dropped the pages it could not write, so a later
 * sync that succeeds proves nothing about them. Every later call fails with the first error.
 */
export class GroupSync {
  private readonly path: string;
  private fd: number | null = null;
  private writes = 0;
  private durableWrites = 0;
  private syncing = false;
  private readonly waiters = new SyncWaiters();
  private closed = false;
  private failure: Error | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** Counts a write that the next sync must cover. */
  wrote(): void {
    this.writes++;
  }

  /** The first sync failure, if any (then nothing written since can be called durable). */
  get failed(): Error | null {
    return this.failure;
  }

  /** Calls back (synchronously when nothing is pending) once every counted write is synced. */
  whenDurable(callback: (error: Error | null) => void): void {
    if (this.failure !== null) return callback(this.failure);
    if (this.durableWrites >= this.writes) return callback(null);
    this.waiters.add(this.writes, callback);
    this.startSync();
  }

  /** Syncs every counted write now, blocking (for the rare writes that must be durable on return). */
  syncNow(): void {
    if (this.failure !== null) throw this.failure;
    if (this.durableWrites >= this.writes) return;
    const target = this.writes;
    try {
      fdatasyncSync(this.open());
    } catch (error) {
      this.failure = this.describe(error as Error);
      this.settle();
      throw this.failure;
    }
    this.durableWrites = target;
  }

  /** Stops syncing; a sync still running finishes first and then closes the file. */
  close(): void {
    this.closed = true;
    if (this.syncing) return;
    this.failWaitersClosed();
    this.closeFile();
  }

  private failWaitersClosed(): void {
    const error = new Error(`${this.path}: closed before these writes were synced`);
    for (const callback of this.waiters.takeAll()) callback(error);
  }

  private startSync(): void {
    if (this.syncing) return;
    if (this.closed) return this.failWaitersClosed();
    const target = this.writes;
    let fd: number;
    try {
      fd = this.open();
    } catch (error) {
      this.failure = this.describe(error as Error);
      return this.settle();
    }
    this.syncing = true;
    fdatasync(fd, (error) => {
      this.syncing = false;
      if (error !== null) this.failure ??= this.describe(error);
      else this.durableWrites = Math.max(this.durableWrites, target);
      this.settle();
      if (this.closed) {
        this.failWaitersClosed();
        this.closeFile();
      } else if (this.waiters.size > 0) {
        this.startSync();
      }
    });
  }

  /** Calls back the waiters covered by now, or every waiter once a sync failed. */
  private settle(): void {
    const failure = this.failure;
    const done = failure === null ? this.waiters.takeCovered(this.durableWrites) : this.waiters.takeAll();
    for (const callback of done) callback(failure);
  }

  private describe(error: Error): Error {
    return new Error(`${this.path}: fdatasync failed: ${error.message}`, { cause: error });
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    // Writable: Windows refuses to sync a read-only handle.
    this.fd = openSync(this.path, 'r+');
    syncDirectory(dirname(this.path));
    return this.fd;
  }

  private closeFile(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
