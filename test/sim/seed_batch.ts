/**
 * Shared by the random-fault seed tests: runs a seed range with every checker and every nemesis,
 * prints the range and how to replay a failing seed, and fails with the replay commands.
 */
import { expect } from 'vitest';
import { replayCommand, runSeeds } from '../../src/sim/run_simulation.js';
import { resolveSimulationOptions, type SimulationOptions } from '../../src/sim/simulation_options.js';

/** Shorter runs than the CLI default keep 300+ seeds within a few minutes on 2 cores. */
export const BATCH_OPTIONS = { durationMs: 6_000 } as const;

export function checkSeedRange(seedStart: number, seeds: number, options: Partial<SimulationOptions> = {}): void {
  const replay = replayCommand(resolveSimulationOptions({ ...BATCH_OPTIONS, ...options })).replace(/--seed \d+/, '--seed N');
  console.log(`simulating seeds ${seedStart}..${seedStart + seeds - 1} (every nemesis, every checker); replay one with: ${replay}`);
  const summary = runSeeds({ ...BATCH_OPTIONS, ...options, seedStart, seeds });
  const failures = summary.failures.map(
    (result) => `seed ${result.seed}: ${result.violation?.checker}: ${result.violation?.message}\n  replay: ${result.replay}`,
  );
  expect(failures, failures.join('\n')).toEqual([]);
  expect(summary.passed).toBe(seeds);
}
