/**
 * Snapshots taken in steps: a state machine that keeps applying while its snapshot is encoded
 * still yields exactly the state at the moment the snapshot is handed out; SQLite stores a
 * snapshot in chunks and swaps it in atomically (a crash before the swap keeps the old one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry, Snapshot } from '../../src/core/types.js';
import { KvStateMachine, type KvCommand, type KvItem } from '../../src/kv/index.js';
import { Prng } from '../../src/lib/prng.js';
import { SqliteStorage } from '../../src/storage/sqlite_storage.js';
import { b, Harness } from '../kv/kv_helpers.js';

const SEED = Number(process.env['SEED'] ?? Date.now() % 1_000_000);

function randomItems(random: Prng, count: number): KvItem[] {
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  return Array.from({ length: count }, () => {
    const key = b(random.pick(keys));
    const command = random.pick<KvCommand>([
      { type: 'set', key, value: b(`v${random.int(0, 99)}`), condition: 'always', returnOld: false },
      { type: 'del', keys: [key] },
      { type: 'append', key, value: b('+') },
      { type: 'incrby', key: b(`n${random.int(0, 3)}`), delta: 1n },
    ]);
    const session = random.chance(0.5) ? { clientId: `c${random.int(1, 4)}`, sequence: random.int(1, 200) } : null;
    return { session, command };
  });
}

describe('state machine snapshot in steps', () => {
  it(`equals a synchronous snapshot taken at the same point, with applies in between (seed ${SEED})`, () => {
    console.log(`incremental snapshot seed=${SEED} (replay: SEED=${SEED} npx vitest run test/snapshot/incremental_snapshot.test.ts)`);
    const random = new Prng(SEED);
    for (let round = 0; round < 20; round++) {
      const live = new Harness(new KvStateMachine({ maxSessions: 3, sessionWindow: 8 }));
      const twin = new Harness(new KvStateMachine({ maxSessions: 3, sessionWindow: 8 }));
      const applyBoth = (items: KvItem[]): void => {
        expect(live.applyItems(items), `seed=${SEED} round=${round}`).toEqual(twin.applyItems(items));
      };
      for (let i = random.int(0, 60); i > 0; i--) applyBoth(randomItems(random, random.int(1, 3)));
      const job = live.machine.beginSnapshot();
      while (!job.step(random.int(1, 7))) {
        if (random.chance(0.7)) applyBoth(randomItems(random, random.int(1, 3)));
      }
      for (let i = random.int(0, 5); i > 0; i--) applyBoth(randomItems(random, 1));
      const stepped = live.machine.snapshot();
      const restored = new KvStateMachine({ maxSessions: 3, sessionWindow: 8 });
      restored.restore(stepped);
      // Same state: the restored machine's own (synchronous) snapshot equals the twin's.
      expect(restored.snapshot(), `seed=${SEED} round=${round}`).toEqual(twin.machine.snapshot());
      expect(restored.appliedIndex).toBe(twin.machine.appliedIndex);
    }
  });

  it('a restore supersedes a job in progress, and a finished job is used only once', () => {
    const h = new Harness();
    h.set('a', '1');
    const job = h.machine.beginSnapshot();
    const other = new Harness();
    other.set('z', '9');
    h.machine.restore(other.machine.snapshot());
    expect(job.active).toBe(false);
    expect(h.get('z')).toBe('9');
    const next = h.machine.beginSnapshot();
    while (!next.step(1));
    const first = h.machine.snapshot();
    expect(next.active).toBe(false);
    expect(h.machine.snapshot()).toEqual(first); // a fresh synchronous snapshot of the same state
  });
});

describe('SQLite snapshot written in chunks', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function open(dir: string): SqliteStorage {
    const storage = new SqliteStorage({ dataDir: dir, nodeId: 1, fsync: 'never', breakStaleLock: true });
    storage.load();
    storage.bootstrap({ voters: [1], learners: [] });
    return storage;
  }

  function fill(storage: SqliteStorage, count: number): void {
    const entries: Entry[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, term: 1, kind: 'normal', data: new Uint8Array(100).fill(i % 251) }));
    storage.save({ hardState: { term: 1, vote: 1, commit: count }, entries });
  }

  const snapshotAt = (index: number, bytes: number): Snapshot => ({
    meta: { index, term: 1, membership: { voters: [1], learners: [] } },
    data: new Uint8Array(bytes).map((_, i) => (i * 7 + index) % 256),
  });

  it('a staged write that never commits (a crash) leaves the old snapshot and the whole log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-sim-snap-'));
    dirs.push(dir);
    const storage = open(dir);
    fill(storage, 300);
    storage.saveSnapshot(snapshotAt(100, 1000));
    const write = storage.beginSnapshotWrite(snapshotAt(250, 700_000));
    expect(write).not.toBeNull();
    write?.step();
    write?.step();
    storage.close(); // the crash: staged chunks on disk, never swapped in
    const reopened = open(dir);
    const state = reopened.load();
    expect(state.snapshot?.meta.index).toBe(100);
    expect(state.entries[0]?.index).toBe(101);
    expect(state.entries.at(-1)?.index).toBe(300);
    reopened.close();
  });

  it('commit swaps the new snapshot in; garbage goes in bounded steps; a reopen reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-sim-snap-'));
    dirs.push(dir);
    const storage = open(dir);
    fill(storage, 300);
    const snapshot = snapshotAt(250, 700_000);
    const write = storage.beginSnapshotWrite(snapshot);
    if (write === null) throw new Error('expected a staged write');
    let steps = 0;
    while (!write.step()) steps++;
    expect(steps).toBeGreaterThan(1); // several chunks, one per step
    expect(storage.commitSnapshotWrite(write)).toBe(true);
    expect(storage.rowCounts().entries).toBe(300); // compacted entries are garbage until collected
    let rounds = 0;
    while (storage.collectGarbage(20) > 0) rounds++;
    expect(rounds).toBeGreaterThan(1);
    expect(storage.rowCounts().entries).toBe(50);
    storage.close();
    const reopened = open(dir);
    const state = reopened.load();
    expect(state.snapshot?.meta.index).toBe(250);
    expect(Buffer.from(state.snapshot?.data ?? []).equals(Buffer.from(snapshot.data))).toBe(true);
    expect(state.entries.map((e) => e.index)).toEqual(Array.from({ length: 50 }, (_, i) => 251 + i));
    reopened.close();
  });

  it('a snapshot installed meanwhile voids the staged one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-sim-snap-'));
    dirs.push(dir);
    const storage = open(dir);
    fill(storage, 300);
    const write = storage.beginSnapshotWrite(snapshotAt(200, 10_000));
    if (write === null) throw new Error('expected a staged write');
    while (!write.step());
    storage.saveSnapshot({ ...snapshotAt(280, 5_000) });
    expect(storage.commitSnapshotWrite(write)).toBe(false);
    while (storage.collectGarbage(50) > 0);
    expect(storage.rowCounts()).toEqual({ entries: 20, chunks: 1 }); // only the installed snapshot's chunk
    storage.close();
    const reopened = open(dir);
    expect(reopened.load().snapshot?.meta.index).toBe(280);
    reopened.close();
  });
});
