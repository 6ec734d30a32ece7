import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/lib/prng.js';
import { DeferredSyncStorage } from '../../src/sim/deferred_sync_storage.js';
import { EventQueue } from '../../src/sim/event_queue.js';
import { MemoryStorage } from '../../src/storage/memory_storage.js';
import { entries } from '../contracts/storage_contract.js';

function setup(): { disk: MemoryStorage; queue: EventQueue; storage: DeferredSyncStorage; crash: () => MemoryStorage } {
  const disk = new MemoryStorage();
  const queue = new EventQueue();
  let alive = true;
  const storage = new DeferredSyncStorage(disk, queue, new Prng(7), 10, () => alive);
  return { disk, queue, storage, crash: () => ((alive = false), disk.reopen()) };
}

describe('DeferredSyncStorage (the simulated disk under group commit)', () => {
  it('a save reaches the disk only when its background sync runs, and its waiter hears then', () => {
    const { queue, storage, disk } = setup();
    storage.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 2, 1) });
    let durable = false;
    storage.whenDurable(() => (durable = true));
    expect(durable).toBe(false);
    expect(disk.load().entries).toHaveLength(0);
    while (queue.runNext());
    expect(durable).toBe(true);
    expect(queue.nowMs).toBeLessThanOrEqual(10);
    expect(disk.load().entries.map((e) => e.index)).toEqual([1, 2]);
  });

  it('a crash before the sync loses the unsynced writes; a snapshot syncs what came before it', () => {
    const { queue, storage, crash } = setup();
    storage.save({ hardState: null, entries: entries(1, 3, 1) });
    storage.saveSnapshot({ meta: { index: 2, term: 1, membership: { voters: [1], learners: [] } }, data: new Uint8Array([1]) });
    storage.save({ hardState: null, entries: entries(4, 5, 1) });
    storage.whenDurable(() => {
      throw new Error('a crashed node hears nothing');
    });
    const reopened = crash();
    while (queue.runNext());
    const persisted = reopened.load();
    expect(persisted.snapshot?.meta.index).toBe(2);
    expect(persisted.entries.map((e) => e.index)).toEqual([3]);
  });
});
