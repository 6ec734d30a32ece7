/**
 * Histories generated from real sequential executions must pass; the same histories with one read
 * corrupted must fail, at that read. Seeds are fixed (1..SEEDS); set CHECK_SEED=n to replay one.
 */
import { describe, it, expect } from 'vitest';
import { checkLinearizability } from '../../src/check/linearizability.js';
import { type RandomHistoryOptions, corruptHistory, randomHistory } from '../../src/check/random_history.js';

const SEEDS = 150;
const replaySeed = process.env['CHECK_SEED'];
const seeds = replaySeed ? [Number(replaySeed)] : Array.from({ length: SEEDS }, (_, i) => i + 1);

function options(seed: number): RandomHistoryOptions {
  // Vary the shape with the seed: few or many keys and clients, rare or frequent unknown outcomes.
  return {
    seed,
    operations: 40 + (seed % 7) * 30,
    clients: 2 + (seed % 9),
    keys: 1 + (seed % 4),
    unknownRate: [0, 0.02, 0.06][seed % 3],
    failRate: [0, 0.05][seed % 2],
    latencyMax: 5 + (seed % 20),
  };
}

describe('seeded random histories', () => {
  it(`histories from sequential executions are linearizable (seeds ${seeds[0]}..${seeds.at(-1)})`, () => {
    console.log(`random histories: seeds ${seeds[0]}..${seeds.at(-1)}; replay one with CHECK_SEED=<seed>`);
    for (const seed of seeds) {
      const result = checkLinearizability(randomHistory(options(seed)), { budgetMs: 5_000 });
      expect(result.verdict, `seed ${seed}: replay with CHECK_SEED=${seed}`).toBe('linearizable');
    }
  });

  it('a corrupted read makes each of them not linearizable, and is the operation reported', () => {
    const how = { stale: 0, phantom: 0 };
    for (const seed of seeds) {
      const corruption = corruptHistory(randomHistory(options(seed)), seed);
      if (!corruption) continue;
      how[corruption.how]++;
      const result = checkLinearizability(corruption.history, { budgetMs: 5_000 });
      expect(result.verdict, `seed ${seed} (${corruption.how}): replay with CHECK_SEED=${seed}`).toBe('not-linearizable');
      expect(result.failures[0]?.failedOperation.id, `seed ${seed}`).toBe(corruption.operationId);
    }
    console.log(`corruptions: ${how.stale} stale reads, ${how.phantom} phantom values`);
    if (!replaySeed) expect(how.stale).toBeGreaterThan(SEEDS / 2);
  });

  it('the same seed gives the same history', () => {
    expect(randomHistory(options(3))).toEqual(randomHistory(options(3)));
    expect(randomHistory(options(3))).not.toEqual(randomHistory(options(4)));
  });
});
