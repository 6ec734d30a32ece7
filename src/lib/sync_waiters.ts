/**
 * Callers waiting for counted writes to become durable: each waits for every write counted when it
 * asked. Shared by the storage's background sync and the simulator's model of it.
 */
export type SyncCallback = (error: Error | null) => void;

export class SyncWaiters {
  private waiting: Array<{ writes: number; callback: SyncCallback }> = [];

  get size(): number {
    return this.waiting.length;
  }

  /** `callback` waits until writes up to number `writes` are durable. */
  add(writes: number, callback: SyncCallback): void {
    this.waiting.push({ writes, callback });
  }

  /** Removes and returns the callbacks that writes up to `durableWrites` satisfy, oldest first. */
  takeCovered(durableWrites: number): SyncCallback[] {
    const covered = this.waiting.filter((w) => w.writes <= durableWrites);
    this.waiting = this.waiting.filter((w) => w.writes > durableWrites);
    return covered.map((w) => w.callback);
  }

  /** Removes and returns every callback (a failure or a close answers them all). */
  takeAll(): SyncCallback[] {
    const all = this.waiting.map((w) => w.callback);
    this.waiting = [];
    return all;
  }
}
