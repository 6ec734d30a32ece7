/**
 * The checker prunes its search (memoization, dominance of unknown outcomes, skipped no-op orders).
 * Here it must agree with a plain enumeration of every ordering on thousands of tiny seeded
 * histories, half of them with one output changed at random. CHECK_SEED=n replays one seed.
 */
import { describe, it, expect } from 'vitest';
import type { Operation } from '../../src/check/history.js';
import { ILLEGAL, KV_INITIAL_STATE, type KvState, stepKv } from '../../src/check/kv_model.js';
import { checkLinearizability } from '../../src/check/linearizability.js';
import { randomHistory } from '../../src/check/random_history.js';
import { Prng } from '../../src/lib/prng.js';

/** Tries every order and every subset of unknown outcomes that respects real time. */
function bruteForce(history: readonly Operation[]): boolean {
  const ops = history.filter((op) => op.outcome !== 'fail');
  const used = new Array<boolean>(ops.length).fill(false);
  const okTotal = ops.filter((op) => op.outcome === 'ok').length;
  const search = (state: KvState, okDone: number): boolean => {
    if (okDone === okTotal) return true;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as Operation;
      if (used[i]) continue;
      // op may go next only if no pending ok operation returned before op was invoked.
      if (ops.some((other, j) => !used[j] && other.outcome === 'ok' && other.returnTime < op.invokeTime)) continue;
      const after = stepKv(state, op);
      if (after === ILLEGAL) continue;
      used[i] = true;
      const found = search(after, okDone + (op.outcome === 'ok' ? 1 : 0));
      used[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(KV_INITIAL_STATE, 0);
}

/** Changes one output to a plausible wrong value, or nothing. */
function mutate(history: Operation[], random: Prng): Operation[] {
  const candidates = history.filter((op) => op.outcome === 'ok' && (op.kind === 'read' || op.kind === 'cas'));
  if (candidates.length === 0 || random.chance(0.5)) return history;
  const target = random.pick(candidates);
  const values = [null, ...history.flatMap((op) => (op.kind === 'write' ? [op.input] : op.kind === 'cas' ? [op.input.value] : []))];
  return history.map((op) => {
    if (op.id !== target.id) return op;
    if (op.kind === 'cas') return { ...op, output: !op.output };
    if (op.kind === 'read') return { ...op, output: random.pick(values) };
    return op;
  });
}

const replaySeed = process.env['CHECK_SEED'];
const seeds = replaySeed ? [Number(replaySeed)] : Array.from({ length: 3000 }, (_, i) => i + 1);

describe('checker against brute force', () => {
  it(`agrees on tiny random histories (seeds ${seeds[0]}..${seeds.at(-1)})`, () => {
    console.log(`brute force: seeds ${seeds[0]}..${seeds.at(-1)}; replay one with CHECK_SEED=<seed>`);
    const verdicts = { linearizable: 0, 'not-linearizable': 0 };
    for (const seed of seeds) {
      const random = new Prng(seed);
      const base = randomHistory({
        seed,
        operations: random.int(2, 8),
        clients: random.int(1, 4),
        keys: 1,
        unknownRate: 0.3,
        failRate: 0.1,
        latencyMax: random.int(1, 8),
        thinkMax: 3,
      });
      const history = mutate(base, random);
      const expected = bruteForce(history) ? 'linearizable' : 'not-linearizable';
      const result = checkLinearizability(history);
      expect(result.verdict, `seed ${seed}: replay with CHECK_SEED=${seed}`).toBe(expected);
      verdicts[expected]++;
    }
    console.log(`verdicts: ${JSON.stringify(verdicts)}`);
    if (!replaySeed) expect(verdicts['not-linearizable']).toBeGreaterThan(300);
  });
});
