/** The pool gives the same verdicts and failure reports as the in-thread checker. Needs `npm run build`. */
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { Operation } from '../../src/check/history.js';
import { type CheckResult, checkLinearizability } from '../../src/check/linearizability.js';
import { CheckPool, CheckPoolError, checkLinearizabilityParallel } from '../../src/check/parallel.js';
import { corruptHistory, randomHistory } from '../../src/check/random_history.js';

let pool: CheckPool;
beforeAll(() => {
  pool = new CheckPool({ poolSize: 2 });
});
afterAll(async () => {
  await pool.close();
});

/** What must match: verdicts per key and the failure reports (timings and state counts may differ). */
function essence(result: CheckResult) {
  return { verdict: result.verdict, keys: result.keys, operations: result.operations, failures: result.failures, undecided: result.undecidedKeys };
}

function corruptEveryFewKeys(history: Operation[], seed: number): Operation[] {
  let corrupted = history;
  for (let i = 0; i < 3; i++) corrupted = corruptHistory(corrupted, seed + i)?.history ?? corrupted;
  return corrupted;
}

describe('parallel checking', () => {
  for (const seed of [1, 2, 3]) {
    it(`agrees with the in-thread checker on linearizable and corrupted histories (seed ${seed})`, async () => {
      const history = randomHistory({ seed, operations: 6_000, keys: 40, clients: 10, unknownRate: 0.01, failRate: 0.01 });
      const corrupted = corruptEveryFewKeys(history, seed);
      for (const h of [history, corrupted]) {
        const inThread = checkLinearizability(h);
        const parallel = await pool.check(h, { inThreadBelowOperations: 0 });
        expect(essence(parallel), `seed ${seed}`).toEqual(essence(inThread));
      }
      const result = await pool.check(corrupted, { inThreadBelowOperations: 0 });
      expect(result.verdict).toBe('not-linearizable');
      expect(result.failures.length).toBeGreaterThanOrEqual(1);
    });
  }

  it('checks small histories in the calling thread', async () => {
    const history = randomHistory({ seed: 9, operations: 100, keys: 3 });
    const result = await checkLinearizabilityParallel(history, { poolSize: 2 });
    expect(result.verdict).toBe('linearizable');
    expect(result.operations).toBe(100);
  });

  it('a one-off pool checks a large history and shuts down', async () => {
    const history = randomHistory({ seed: 10, operations: 3_000, keys: 20 });
    const result = await checkLinearizabilityParallel(history, { poolSize: 1 });
    expect(result.verdict).toBe('linearizable');
    expect(result.keys).toBe(20);
  });

  it('honours the budget across workers', async () => {
    const hard: Operation[] = [];
    for (let i = 0; i < 24; i++) hard.push({ id: i, clientId: i, key: 'hot', kind: 'write', input: `v${i}`, output: null, invokeTime: 0, returnTime: Infinity, outcome: 'unknown' });
    for (let i = 0; i < 24; i++) hard.push({ id: 100 + i, clientId: 100 + i, key: 'hot', kind: 'append', input: `+${i}`, output: null, invokeTime: 0, returnTime: 100, outcome: 'ok' });
    hard.push({ id: 200, clientId: 200, key: 'hot', kind: 'read', input: null, output: 'never', invokeTime: 200, returnTime: 210, outcome: 'ok' });
    const result = await pool.check(hard, { inThreadBelowOperations: 0, budgetMs: 200 });
    expect(result.verdict).toBe('unknown');
    expect(result.undecidedKeys).toEqual(['hot']);
  });

  it('rejects a bad pool size and a malformed history', async () => {
    expect(() => new CheckPool({ poolSize: 0 })).toThrow(CheckPoolError);
    const bad = [{ id: 1, clientId: 1, key: 'x', kind: 'read', input: null, output: null, invokeTime: 5, returnTime: 1, outcome: 'ok' } as Operation];
    await expect(pool.check(bad)).rejects.toThrow(/returns \(1\) before it is invoked \(5\)/);
  });
});
