import { describe, expect, it } from 'vitest';
import { runSeeds } from '../../src/sim/run_simulation.js';

describe('the smallest clusters under the faults that apply to them', () => {
  it.each([1, 2])('%i node(s): 30 seeds keep every safety and liveness property', (nodes) => {
    console.log(`seeds 1..30 with ${nodes} node(s); replay one with: kv-sim sim --seed N --nodes ${nodes} --duration-ms 4000`);
    const summary = runSeeds({ nodes, durationMs: 4_000, seedStart: 1, seeds: 30 });
    const failures = summary.failures.map((r) => `seed ${r.seed}: ${r.violation?.checker}: ${r.violation?.message}\n  replay: ${r.replay}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
