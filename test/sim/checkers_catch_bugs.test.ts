/**
 * The checkers can fail: with each deliberately broken core variant, a violation is reported
 * within a bounded number of seeds. The nemesis settings are chosen to provoke each bug.
 */
import { describe, it, expect } from 'vitest';
import type { SimulationOptions } from '../../src/sim/simulation_options.js';
import { runSimulation } from '../../src/sim/run_simulation.js';

function firstViolation(options: Partial<SimulationOptions>, seedsMax: number): { seed: number; checker: string; replay: string } | null {
  for (let seed = 1; seed <= seedsMax; seed++) {
    const result = runSimulation({ ...options, seed });
    if (result.violation !== null) {
      console.log(`found at seed ${seed}: ${result.violation.checker}: ${result.violation.message}\n  replay: ${result.replay}`);
      return { seed, checker: result.violation.checker, replay: result.replay };
    }
  }
  return null;
}

const FIGURE_8_SETTINGS: Partial<SimulationOptions> = {
  durationMs: 8_000,
  nemesis: ['crash-leader', 'isolate-leader', 'link'],
  faultIntervalMinMs: 100,
  faultIntervalMaxMs: 500,
  appendBytesMax: 1, // one entry per append: replication of a backlog is split up
};

const SPLIT_VOTE_SETTINGS: Partial<SimulationOptions> = {
  durationMs: 8_000,
  nemesis: ['crash-leader', 'isolate-leader'],
  faultIntervalMinMs: 100,
  faultIntervalMaxMs: 400,
  preVote: false,
  networkDelayMs: 5,
  networkJitterMs: 10, // concurrent candidates: split votes are common
};

describe('checkers catch broken cores', () => {
  it('report nothing for the correct core under the same provoking settings', () => {
    const unsyncedCrashes: Partial<SimulationOptions> = { nodes: 3, syncDelayMaxMs: 40, downtimeMinMs: 1, downtimeMaxMs: 50 };
    for (const settings of [FIGURE_8_SETTINGS, SPLIT_VOTE_SETTINGS, unsyncedCrashes]) expect(firstViolation(settings, 3)).toBeNull();
  });

  it('forgetVote: a vote granted before it is persisted', () => {
    const found = firstViolation({ durationMs: 3_000, unsafe: { forgetVote: true } }, 3);
    expect(found?.checker).toBe('persistence');
  });

  it('commitByCountingOldTerms: a leader commits an old-term entry by counting replicas (Figure 8)', () => {
    const found = firstViolation({ ...FIGURE_8_SETTINGS, unsafe: { commitByCountingOldTerms: true } }, 10);
    expect(found).not.toBeNull();
    expect(['commit-rule', 'state-machine-safety', 'leader-completeness', 'durability']).toContain(found?.checker);
  });

  it('countUnsyncedSelf: a leader counts its own entries toward commit before its disk has them', () => {
    // Needs the leader to crash within its sync window and come back in time to elect a node
    // that missed the entry: rarer than the other bugs, hence more seeds.
    const found = firstViolation({ nodes: 3, syncDelayMaxMs: 40, downtimeMinMs: 1, downtimeMaxMs: 50, unsafe: { countUnsyncedSelf: true } }, 60);
    expect(found).not.toBeNull();
    expect(['leader-completeness', 'durability', 'state-machine-safety']).toContain(found?.checker);
  });

  it('doubleVote: two leaders in one term', () => {
    const found = firstViolation({ ...SPLIT_VOTE_SETTINGS, unsafe: { doubleVote: true } }, 10);
    expect(found?.checker).toBe('election-safety');
  });
});
