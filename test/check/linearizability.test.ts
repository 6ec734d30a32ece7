import { describe, it, expect } from 'vitest';
import type { Operation } from '../../src/check/history.js';
import { InvalidHistoryError, checkLinearizability, describeFailure } from '../../src/check/linearizability.js';
import { HistoryBuilder } from './helpers.js';

const ids = (ops: readonly Operation[]): number[] => ops.map((op) => op.id);

describe('linearizability: plain registers', () => {
  it('an empty history is linearizable', () => {
    expect(checkLinearizability([]).verdict).toBe('linearizable');
  });

  it('accepts a sequential write then read', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    h.read(2, 'x', 'a', [20, 30]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
  });

  it('reads null from a key never written, but not after a completed write', () => {
    const ok = new HistoryBuilder();
    ok.read(1, 'x', null, [0, 10]);
    ok.write(2, 'x', 'a', [5, 20]);
    expect(checkLinearizability(ok.ops).verdict).toBe('linearizable');
    const bad = new HistoryBuilder();
    bad.write(2, 'x', 'a', [0, 10]);
    const read = bad.read(1, 'x', null, [20, 30]);
    const result = checkLinearizability(bad.ops);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.failures[0]?.failedOperation.id).toBe(read.id);
  });

  it('rejects a read of a value never written', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    const read = h.read(2, 'x', 'zzz', [5, 30]);
    const result = checkLinearizability(h.ops);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.failures[0]?.failedOperation).toEqual(read);
  });

  it('rejects a stale read after a completed write, naming the prefix, the state and the conflict', () => {
    const h = new HistoryBuilder();
    const w1 = h.write(1, 'x', '1', [0, 10]);
    const w2 = h.write(1, 'x', '2', [20, 30]);
    const stale = h.read(2, 'x', '1', [40, 50]);
    h.read(3, 'x', '2', [60, 70]);
    const result = checkLinearizability(h.ops);
    expect(result.verdict).toBe('not-linearizable');
    const failure = result.failures[0]!;
    expect(failure.key).toBe('x');
    expect(failure.failedOperation.id).toBe(stale.id);
    expect(ids(failure.prefix)).toEqual([w1.id, w2.id]);
    expect(failure.stateAfterPrefix).toBe('2');
    expect(ids(failure.conflicting)).toEqual([w2.id]);
    expect(failure.windowStartTime).toBe(20);
    expect(failure.windowEndTime).toBe(50);
    const text = describeFailure(failure);
    console.log(text);
    expect(text).toContain('read(x) = "1"');
    expect(text).toContain('write(x, "2")');
  });

  it('lets concurrent writes be ordered by the reads that overlap them', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', '1', [0, 100]);
    h.write(2, 'x', '2', [0, 100]);
    h.read(3, 'x', '1', [10, 20]);
    h.read(3, 'x', '2', [30, 40]);
    h.read(4, 'x', '2', [50, 200]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
  });

  it('rejects reads that see two concurrent writes flip back and forth', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', '1', [0, 100]);
    h.write(2, 'x', '2', [0, 100]);
    h.read(3, 'x', '2', [10, 20]);
    h.read(3, 'x', '1', [30, 40]);
    const flip = h.read(3, 'x', '2', [50, 60]);
    const result = checkLinearizability(h.ops);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.failures[0]?.failedOperation.id).toBe(flip.id);
  });

  it('counts touching intervals as concurrent', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    h.read(2, 'x', null, [10, 20]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
  });

  it('deletes remove the value', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    h.delete(1, 'x', [20, 30]);
    h.read(2, 'x', null, [40, 50]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
    h.read(2, 'x', 'a', [60, 70]);
    expect(checkLinearizability(h.ops).verdict).toBe('not-linearizable');
  });
});

describe('linearizability: unknown and failed outcomes', () => {
  it('an unknown write may take effect late', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 0], 'unknown');
    h.read(2, 'x', null, [10, 20]);
    h.read(2, 'x', 'a', [30, 40]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
  });

  it('an unknown write may never take effect, but cannot take effect twice', () => {
    const never = new HistoryBuilder();
    never.write(1, 'x', 'a', [0, 0], 'unknown');
    never.read(2, 'x', null, [100, 110]);
    expect(checkLinearizability(never.ops).verdict).toBe('linearizable');
    const undone = new HistoryBuilder();
    undone.write(1, 'x', 'a', [0, 0], 'unknown');
    undone.read(2, 'x', 'a', [10, 20]);
    undone.read(2, 'x', null, [30, 40]);
    expect(checkLinearizability(undone.ops).verdict).toBe('not-linearizable');
  });

  it('an unknown write cannot take effect before it was invoked', () => {
    const h = new HistoryBuilder();
    h.read(2, 'x', 'a', [0, 10]);
    h.write(1, 'x', 'a', [20, 0], 'unknown');
    expect(checkLinearizability(h.ops).verdict).toBe('not-linearizable');
  });

  it('a failed cas then an unknown retry: the retry may have applied', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    h.cas(2, 'x', 'a', 'b', false, [20, 30], 'fail');
    h.cas(2, 'x', 'a', 'b', false, [40, 0], 'unknown');
    h.read(3, 'x', 'b', [50, 60]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
  });

  it('a failed cas never takes effect', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    h.cas(2, 'x', 'a', 'b', false, [20, 30], 'fail');
    const read = h.read(3, 'x', 'b', [50, 60]);
    const result = checkLinearizability(h.ops);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.failures[0]?.failedOperation.id).toBe(read.id);
  });

  it('an unknown cas only applies when its expected value is current', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    h.cas(2, 'x', 'zzz', 'b', false, [20, 0], 'unknown');
    h.read(3, 'x', 'b', [50, 60]);
    expect(checkLinearizability(h.ops).verdict).toBe('not-linearizable');
  });

  it('a cas that did not swap must have seen another value', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [0, 10]);
    h.cas(2, 'x', 'b', 'c', false, [20, 30]);
    h.cas(2, 'x', 'a', 'c', true, [40, 50]);
    h.read(3, 'x', 'c', [60, 70]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
    const bad = new HistoryBuilder();
    bad.write(1, 'x', 'a', [0, 10]);
    bad.cas(2, 'x', 'a', 'c', false, [20, 30]);
    expect(checkLinearizability(bad.ops).verdict).toBe('not-linearizable');
  });

  it('cas with expected null swaps only on an absent key', () => {
    const h = new HistoryBuilder();
    h.cas(1, 'x', null, 'a', true, [0, 10]);
    h.cas(2, 'x', null, 'b', false, [20, 30]);
    h.read(2, 'x', 'a', [40, 50]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
  });
});

describe('linearizability: appends and keys', () => {
  it('appends concatenate in linearization order', () => {
    const h = new HistoryBuilder();
    h.append(1, 'x', 'a', [0, 10]);
    h.append(2, 'x', 'b', [20, 30]);
    h.read(3, 'x', 'ab', [40, 50]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
    const reversed = new HistoryBuilder();
    reversed.append(1, 'x', 'a', [0, 10]);
    reversed.append(2, 'x', 'b', [20, 30]);
    reversed.read(3, 'x', 'ba', [40, 50]);
    expect(checkLinearizability(reversed.ops).verdict).toBe('not-linearizable');
  });

  it('concurrent appends may land in either order, and a later read sees both', () => {
    const h = new HistoryBuilder();
    h.append(1, 'x', 'a', [0, 30]);
    h.append(2, 'x', 'b', [0, 30]);
    h.read(3, 'x', 'ba', [40, 50]);
    expect(checkLinearizability(h.ops).verdict).toBe('linearizable');
    h.read(3, 'x', 'b', [60, 70]);
    expect(checkLinearizability(h.ops).verdict).toBe('not-linearizable');
  });

  it('checks each key on its own and reports the failing one', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', '1', [0, 10]);
    h.read(2, 'x', '1', [20, 30]);
    h.write(1, 'y', '1', [0, 10]);
    h.read(2, 'y', '1', [0, 10]);
    h.read(2, 'y', null, [20, 30]);
    const result = checkLinearizability(h.ops);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.keys).toBe(2);
    expect(result.failures.map((f) => f.key)).toEqual(['y']);
  });
});

describe('linearizability: budget and bad input', () => {
  /** Many concurrent unknown writes and an impossible read: the search must try every subset. */
  function hardHistory(writes: number): Operation[] {
    const h = new HistoryBuilder();
    for (let i = 0; i < writes; i++) h.write(i, 'x', `v${i}`, [0, 0], 'unknown');
    for (let i = 0; i < writes; i++) h.append(100 + i, 'x', `+${i}`, [0, 100]);
    h.read(200, 'x', 'never', [200, 210]);
    return h.ops;
  }

  it('answers unknown when the time budget runs out', () => {
    const result = checkLinearizability(hardHistory(24), { budgetMs: 100 });
    expect(result.verdict).toBe('unknown');
    expect(result.undecidedKeys).toEqual(['x']);
    expect(result.elapsedMs).toBeLessThan(2_000);
  });

  it('answers unknown when the state bound is reached', () => {
    const result = checkLinearizability(hardHistory(24), { statesMax: 1_000 });
    expect(result.verdict).toBe('unknown');
    expect(result.statesExplored).toBeGreaterThan(1_000);
  });

  it('a failing key still fails when another key is undecided', () => {
    const h = new HistoryBuilder();
    h.write(1, 'y', '1', [0, 10]);
    h.read(2, 'y', '2', [20, 30]);
    const result = checkLinearizability([...hardHistory(24), ...h.ops.map((op, i) => ({ ...op, id: 1000 + i }))], { budgetMs: 100 });
    expect(result.verdict).toBe('not-linearizable');
    expect(result.undecidedKeys).toEqual(['x']);
  });

  it('rejects a malformed history with a clear error', () => {
    const h = new HistoryBuilder();
    h.write(1, 'x', 'a', [10, 5]);
    expect(() => checkLinearizability(h.ops)).toThrow(InvalidHistoryError);
    expect(() => checkLinearizability(h.ops)).toThrow(/operation 0: returns \(5\) before it is invoked \(10\)/);
  });
});
