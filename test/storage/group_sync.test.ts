import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupSync } from '../../src/storage/group_sync.js';
import { SqliteStorage } from '../../src/storage/sqlite_storage.js';
import { entries } from '../contracts/storage_contract.js';

const temps: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kv-sim-sync-'));
  temps.push(dir);
  const file = join(dir, 'wal');
  writeFileSync(file, 'x');
  return file;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the order callbacks ran in, once every one of them has. */
function collect(sync: GroupSync, names: string[], order: string[]): Promise<Array<Error | null>> {
  return Promise.all(names.map((name) => new Promise<Error | null>((resolve) => sync.whenDurable((error) => (order.push(name), resolve(error))))));
}

describe('GroupSync (background fdatasync, one at a time)', () => {
  it('answers at once when nothing written is unsynced', () => {
    const sync = new GroupSync(tempFile());
    let called = false;
    sync.whenDurable(() => (called = true));
    expect(called).toBe(true);
    sync.close();
  });

  it('answers a write only after a sync that started after it; writes made meanwhile share the next sync', async () => {
    const sync = new GroupSync(tempFile());
    const order: string[] = [];
    sync.wrote();
    let sync1Called = false;
    const first = new Promise<Error | null>((resolve) => sync.whenDurable((error) => ((sync1Called = true), order.push('a'), resolve(error))));
    expect(sync1Called).toBe(false); // a sync is running in the background, not on this thread
    sync.wrote(); // while the first sync runs: waits for the next one
    const later = collect(sync, ['b', 'c'], order);
    expect(await first).toBeNull();
    expect(order).toEqual(['a']);
    expect(await later).toEqual([null, null]);
    expect(order).toEqual(['a', 'b', 'c']);
    sync.close();
  });

  it('a failed sync fails every waiter with the file named, and syncNow throws', async () => {
    const sync = new GroupSync(join(tempFile(), 'missing')); // a path under a regular file cannot be opened
    sync.wrote();
    const [error] = await collect(sync, ['a'], []);
    expect(error?.message).toMatch(/missing/);
    expect(() => sync.syncNow()).toThrow(/missing/);
  });

  it('close: the sync running still answers the writes it covers; later ones fail, not hang', async () => {
    const sync = new GroupSync(tempFile());
    sync.wrote();
    const covered = collect(sync, ['a'], []);
    sync.wrote(); // needs a second sync, which close prevents
    const uncovered = collect(sync, ['b'], []);
    sync.close();
    expect(await covered).toEqual([null]);
    const [error] = await uncovered;
    expect(error?.message).toMatch(/closed before these writes were synced/);
  });
});

describe('SqliteStorage durability under each fsync policy', () => {
  it("'always': a save is durable only after a background sync; 'never' and 'batch' answer at once", async () => {
    for (const fsync of ['always', 'batch', 'never'] as const) {
      const dataDir = mkdtempSync(join(tmpdir(), 'kv-sim-sync-'));
      temps.push(dataDir);
      const storage = new SqliteStorage({ dataDir, nodeId: 1, fsync });
      storage.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: entries(1, 3, 1) });
      let durable = false;
      const done = new Promise<Error | null>((resolve) => storage.whenDurable((error) => ((durable = true), resolve(error))));
      expect(durable).toBe(fsync !== 'always');
      expect(await done).toBeNull();
      storage.close();
      const reopened = new SqliteStorage({ dataDir, nodeId: 1, fsync });
      expect(reopened.load().entries.map((e) => e.index)).toEqual([1, 2, 3]);
      reopened.close();
    }
  });
});
