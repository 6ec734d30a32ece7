import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/lib/prng.js';
import { DeferredSyncStorage } from '../../src/sim/deferred_sync_storage.js';
import { EventQueue } from '../../src/sim/event_queue.js';
import { MemoryStorage } from '../../src/storage/memory_storage.js';
import { entries } from '../contracts/storage_contract.js';

function setup(): { disk: MemoryStorage; queue: EventQueue; storage: DeferredSyncStorage; crash: () => MemoryStorage } {
  const disk = new MemoryStorage();
  const queue = new EventQueue();
  const storage = new DeferredSyncStorage({ inner: disk, queue, random: new Prng(7), syncDelayMaxMs: 10, deliver: (completion) => completion() });
  return { disk, queue, storage, crash: () => (storage.crash(), disk.reopen()) };
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

  it('a crash keeps a prefix of the unsynced writes, in order, and loses the rest; a snapshot syncs what came before it', () => {
    const kept = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const disk = new MemoryStorage();
      const queue = new EventQueue();
      const storage = new DeferredSyncStorage({ inner: disk, queue, random: new Prng(seed), syncDelayMaxMs: 10, deliver: (completion) => completion() });
      storage.save({ hardState: null, entries: entries(1, 3, 1) });
      storage.saveSnapshot({ meta: { index: 2, term: 1, membership: { voters: [1], learners: [] } }, data: new Uint8Array([1]) });
      storage.save({ hardState: null, entries: entries(4, 5, 1) });
      storage.save({ hardState: null, entries: entries(6, 6, 1) });
      storage.whenDurable(() => {
        throw new Error('a crashed node hears nothing');
      });
      storage.crash();
      const reopened = disk.reopen();
      while (queue.runNext());
      const persisted = reopened.load();
      expect(persisted.snapshot?.meta.index).toBe(2);
      const indexes = persisted.entries.map((e) => e.index).join(',');
      expect(['3', '3,4,5', '3,4,5,6']).toContain(indexes);
      kept.add(indexes);
    }
    expect(kept.size).toBe(3); // every prefix happens for some seed
  });

  it('a completion waits for the node to run it (a paused node runs nothing)', () => {
    const disk = new MemoryStorage();
    const queue = new EventQueue();
    const held: Array<() => void> = [];
    const storage = new DeferredSyncStorage({ inner: disk, queue, random: new Prng(3), syncDelayMaxMs: 10, deliver: (completion) => held.push(completion) });
    storage.save({ hardState: null, entries: entries(1, 1, 1) });
    let durable = false;
    storage.whenDurable(() => (durable = true));
    while (queue.runNext());
    expect(disk.load().entries).toHaveLength(1); // on disk already
    expect(durable).toBe(false);
    for (const completion of held) completion();
    expect(durable).toBe(true);
  });
});
