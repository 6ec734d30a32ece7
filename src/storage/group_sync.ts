import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

type Waiter = { writes: number; callback: (error: Error | null) => void };

/**
 * Group commit for one file that is written synchronously but synced in the background: each
 * write is counted, and one fdatasync at a time runs on libuv's thread pool, covering every write
 * made before it started. Whoever waits on a sync is called back when one that started after
 * their writes has finished, so a burst of writes made while a sync runs shares the next one.
 *
 * The file is opened on first use (SQLite creates its WAL at the first write), and its directory
 * synced once then, so the new name itself survives a power loss.
 */
export class GroupSync {
  private readonly path: string;
  private fd: number | null = null;
  private writes = 0;
  private durableWrites = 0;
  private syncing = false;
  private waiters: Waiter[] = [];
  private closed = false;

  constructor(path: string) {
    this.path = path;
  }

  /** Counts a write that the next sync must cover. */
  wrote(): void {
    this.writes++;
  }

  /** Calls back (synchronously when nothing is pending) once every counted write is synced. */
  whenDurable(callback: (error: Error | null) => void): void {
    if (this.durableWrites >= this.writes) return callback(null);
    this.waiters.push({ writes: this.writes, callback });
    this.startSync();
  }

  /** Syncs every counted write now, blocking (for the rare writes that must be durable on return). */
  syncNow(): void {
    if (this.durableWrites >= this.writes) return;
    const target = this.writes;
    fdatasyncSync(this.open());
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
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.callback(new Error(`${this.path}: closed before these writes were synced`));
  }

  private startSync(): void {
    if (this.syncing) return;
    if (this.closed) return this.failWaitersClosed();
    const target = this.writes;
    let fd: number;
    try {
      fd = this.open();
    } catch (error) {
      return this.settle(error as Error);
    }
    this.syncing = true;
    fdatasync(fd, (error) => {
      this.syncing = false;
      if (error === null) this.durableWrites = Math.max(this.durableWrites, target);
      this.settle(error);
      if (this.closed) {
        this.failWaitersClosed();
        this.closeFile();
      } else if (this.waiters.length > 0) {
        this.startSync();
      }
    });
  }

  /** Calls back the waiters this sync covered, or every waiter when it failed. */
  private settle(error: Error | null): void {
    const waiters = this.waiters;
    const done = error === null ? waiters.filter((w) => w.writes <= this.durableWrites) : waiters;
    this.waiters = error === null ? waiters.filter((w) => w.writes > this.durableWrites) : [];
    const failure = error === null ? null : new Error(`${this.path}: fdatasync failed: ${error.message}`, { cause: error });
    for (const waiter of done) waiter.callback(failure);
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    this.fd = openSync(this.path, 'r');
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.fd;
  }

  private closeFile(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
