import { describe, it, expect } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory_storage.js';
import { entries, storageContract } from '../contracts/storage_contract.js';

storageContract('memory', () => {
  let current: MemoryStorage | null = null;
  return {
    open: () => {
      current = current === null ? new MemoryStorage() : current.reopen();
      return current;
    },
  };
});

describe('MemoryStorage (simulator helpers)', () => {
  it('fences a crashed handle once the node is reopened', () => {
    const crashed = new MemoryStorage();
    crashed.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 2, 1) });
    const restarted = crashed.reopen();
    expect(() => crashed.save({ hardState: null, entries: entries(3, 3, 1) })).toThrow(/after close/);
    expect(restarted.load().entries).toHaveLength(2);
  });

  it('exposes copies of its state to checkers', () => {
    const storage = new MemoryStorage();
    storage.save({ hardState: { term: 2, vote: 1, commit: 1 }, entries: entries(1, 3, 2) });
    storage.entriesSnapshot()[0]?.data.fill(0);
    expect(storage.entryAt(1)?.data).toEqual(new TextEncoder().encode('v1'));
    expect(storage.hardStateSnapshot()).toEqual({ term: 2, vote: 1, commit: 1 });
    expect(storage.lastIndex()).toBe(3);
    storage.saveSnapshot({ meta: { index: 2, term: 2, membership: { voters: [1], learners: [] } }, data: new Uint8Array() });
    expect(storage.snapshotIndex()).toBe(2);
    expect(storage.entryAt(2)).toBeUndefined();
    expect(storage.entryAt(3)?.index).toBe(3);
    expect(storage.saveCount()).toBe(2);
  });
});
