import { describe, it, expect, afterEach } from 'vitest';
import type { Entry, EntryKind, Membership, Snapshot } from '../../src/core/types.js';
import type { Storage } from '../../src/ports/storage.js';

/**
 * One "place" a storage lives (a memory disk, a database file). open() gives a handle over it;
 * after close() on that handle, open() again must see everything that was saved.
 */
export interface StorageLocation {
  open(): Storage;
  /** Removes what the location left behind (temp directories); optional. */
  dispose?(): void;
}

export type StorageLocationFactory = () => StorageLocation;

export function entry(index: number, term: number, text = `v${index}`, kind: EntryKind = 'normal'): Entry {
  return { index, term, kind, data: new TextEncoder().encode(text) };
}

export function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

function indexesAndTerms(list: Entry[]): Array<[number, number]> {
  return list.map((e) => [e.index, e.term]);
}

const MEMBERSHIP: Membership = { voters: [1, 2, 3], learners: [4] };

function snapshotAt(index: number, term: number, text = `state@${index}`): Snapshot {
  return { meta: { index, term, membership: { voters: [1, 2, 3], learners: [] } }, data: new TextEncoder().encode(text) };
}

/** The behaviour every implementation of the storage port must show. */
export function storageContract(name: string, makeLocation: StorageLocationFactory): void {
  describe(`storage contract: ${name}`, () => {
    const locations: StorageLocation[] = [];
    const open: Storage[] = [];

    function fresh(): { location: StorageLocation; storage: Storage } {
      const location = makeLocation();
      locations.push(location);
      const storage = location.open();
      open.push(storage);
      return { location, storage };
    }

    function reopen(location: StorageLocation, storage: Storage): Storage {
      storage.close();
      const again = location.open();
      open.push(again);
      return again;
    }

    afterEach(() => {
      for (const storage of open.splice(0)) storage.close();
      for (const location of locations.splice(0)) location.dispose?.();
    });

    it('loads an empty state from a fresh location', () => {
      const { storage } = fresh();
      expect(storage.load()).toEqual({
        hardState: { term: 0, vote: 0, commit: 0 },
        snapshot: null,
        entries: [],
        bootstrapMembership: null,
      });
    });

    it('keeps the first bootstrap membership and ignores later ones', () => {
      const { location, storage } = fresh();
      storage.bootstrap(MEMBERSHIP);
      storage.bootstrap({ voters: [9], learners: [] });
      expect(storage.load().bootstrapMembership).toEqual(MEMBERSHIP);
      const again = reopen(location, storage);
      again.bootstrap({ voters: [7], learners: [] });
      expect(again.load().bootstrapMembership).toEqual(MEMBERSHIP);
    });

    it('round-trips hard state and entries of every kind', () => {
      const { storage } = fresh();
      const batch = [entry(1, 1, '', 'noop'), entry(2, 1, 'set a 1'), entry(3, 2, '{"voters":[1]}', 'config')];
      storage.save({ hardState: { term: 2, vote: 3, commit: 2 }, entries: batch });
      const state = storage.load();
      expect(state.hardState).toEqual({ term: 2, vote: 3, commit: 2 });
      expect(state.entries).toEqual(batch);
    });

    it('stores copies: callers may reuse the arrays and buffers they saved or loaded', () => {
      const { storage } = fresh();
      const reused = entry(1, 1, 'original');
      storage.save({ hardState: null, entries: [reused] });
      reused.data.fill(0);
      reused.term = 99;
      const loaded = storage.load();
      expect(new TextDecoder().decode(loaded.entries[0]?.data)).toBe('original');
      loaded.entries[0]?.data.fill(0);
      expect(new TextDecoder().decode(storage.load().entries[0]?.data)).toBe('original');
    });

    it('appends across batches', () => {
      const { storage } = fresh();
      storage.save({ hardState: null, entries: entries(1, 3, 1) });
      storage.save({ hardState: null, entries: entries(4, 6, 1) });
      expect(indexesAndTerms(storage.load().entries)).toEqual(indexesAndTerms(entries(1, 6, 1)));
    });

    it('replaces a conflicting suffix: entries from the first saved index on go', () => {
      const { storage } = fresh();
      storage.save({ hardState: null, entries: entries(1, 5, 1) });
      storage.save({ hardState: null, entries: [entry(3, 2, 'new3'), entry(4, 2, 'new4')] });
      const loaded = storage.load().entries;
      expect(indexesAndTerms(loaded)).toEqual([[1, 1], [2, 1], [3, 2], [4, 2]]);
      expect(new TextDecoder().decode(loaded[2]?.data)).toBe('new3');
    });

    it('saves hard state alone without touching the log', () => {
      const { storage } = fresh();
      storage.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 2, 1) });
      storage.save({ hardState: { term: 5, vote: 2, commit: 2 }, entries: [] });
      const state = storage.load();
      expect(state.hardState).toEqual({ term: 5, vote: 2, commit: 2 });
      expect(state.entries).toHaveLength(2);
    });

    it('a snapshot drops the entries it covers; load returns the snapshot and the rest', () => {
      const { location, storage } = fresh();
      storage.save({ hardState: { term: 1, vote: 1, commit: 6 }, entries: entries(1, 8, 1) });
      storage.saveSnapshot(snapshotAt(5, 1));
      let state = storage.load();
      expect(state.snapshot).toEqual(snapshotAt(5, 1));
      expect(state.entries.map((e) => e.index)).toEqual([6, 7, 8]);
      storage.save({ hardState: null, entries: entries(9, 9, 1) });
      state = reopen(location, storage).load();
      expect(state.snapshot).toEqual(snapshotAt(5, 1));
      expect(state.entries.map((e) => e.index)).toEqual([6, 7, 8, 9]);
    });

    it('a snapshot that does not match the log (InstallSnapshot) replaces the whole log', () => {
      const { storage } = fresh();
      storage.save({ hardState: null, entries: entries(1, 3, 1) });
      storage.saveSnapshot(snapshotAt(10, 4));
      const state = storage.load();
      expect(state.snapshot?.meta.index).toBe(10);
      expect(state.entries).toEqual([]);
      storage.save({ hardState: null, entries: entries(11, 12, 4) });
      expect(storage.load().entries.map((e) => e.index)).toEqual([11, 12]);
    });

    it('a snapshot not newer than the stored one changes nothing', () => {
      const { storage } = fresh();
      storage.save({ hardState: null, entries: entries(1, 8, 1) });
      storage.saveSnapshot(snapshotAt(6, 1));
      storage.saveSnapshot(snapshotAt(3, 1, 'older'));
      const state = storage.load();
      expect(state.snapshot).toEqual(snapshotAt(6, 1));
      expect(state.entries.map((e) => e.index)).toEqual([7, 8]);
    });

    it('keeps binary payloads byte for byte (all byte values, empty, large)', () => {
      const { location, storage } = fresh();
      const all = new Uint8Array(256).map((_, i) => i);
      const large = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
      const batch: Entry[] = [
        { index: 1, term: 1, kind: 'normal', data: all },
        { index: 2, term: 1, kind: 'normal', data: new Uint8Array(0) },
        { index: 3, term: 1, kind: 'normal', data: large },
      ];
      storage.save({ hardState: null, entries: batch });
      storage.saveSnapshot({ meta: { index: 1, term: 1, membership: MEMBERSHIP }, data: all });
      const state = reopen(location, storage).load();
      expect(state.entries[0]?.data).toEqual(new Uint8Array(0));
      // Compared as one buffer: a deep toEqual over a MiB of elements takes seconds.
      expect(Buffer.from(state.entries[1]?.data ?? []).equals(Buffer.from(large))).toBe(true);
      expect(state.snapshot?.data).toEqual(all);
      expect(state.snapshot?.meta.membership).toEqual(MEMBERSHIP);
    });

    it('everything survives close and reopen', () => {
      const { location, storage } = fresh();
      storage.bootstrap(MEMBERSHIP);
      storage.save({ hardState: { term: 3, vote: 2, commit: 4 }, entries: entries(1, 6, 3) });
      storage.saveSnapshot(snapshotAt(2, 3));
      const before = storage.load();
      expect(reopen(location, storage).load()).toEqual(before);
    });

    it('refuses a save that would leave a hole in the log', () => {
      const { storage } = fresh();
      storage.save({ hardState: null, entries: entries(1, 2, 1) });
      expect(() => storage.save({ hardState: null, entries: entries(5, 6, 1) })).toThrow(/hole/);
      expect(() => storage.save({ hardState: null, entries: [entry(3, 1), entry(5, 1)] })).toThrow(/contiguous/);
      expect(storage.load().entries.map((e) => e.index)).toEqual([1, 2]);
    });
  });
}
