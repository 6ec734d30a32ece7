/**
 * Settings under which the checkers catch each deliberately broken core (SimulationOptions.unsafe),
 * and within how many seeds from seed 1. The default settings catch only forgetVote: the other
 * bugs need faults that make them matter (a leader that commits an old-term entry by counting
 * replicas, two candidates asking in one term, a leader that crashes inside its sync window).
 * `kv-sim sim --help` prints them as command lines, and test/sim/checkers_catch_bugs.test.ts runs
 * them, so the help promises only catches that happen.
 */
import type { UnsafeBugs } from '../core/config.js';
import type { SimulationOptions } from './simulation_options.js';

export interface UnsafeBugSettings {
  options: Partial<SimulationOptions>;
  /** Seeds 1..seeds include one that the checkers fail. */
  seeds: number;
}

/** Leader changes while a backlog replicates one entry per append: the Figure 8 situation. */
const FIGURE_8: Partial<SimulationOptions> = {
  durationMs: 8_000,
  nemesis: ['crash-leader', 'isolate-leader', 'link'],
  faultIntervalMinMs: 100,
  faultIntervalMaxMs: 500,
  appendBytesMax: 1,
};

/** Concurrent candidates without pre-vote: split votes, so a node is asked twice in a term. */
const SPLIT_VOTES: Partial<SimulationOptions> = {
  durationMs: 8_000,
  nemesis: ['crash-leader', 'isolate-leader'],
  faultIntervalMinMs: 100,
  faultIntervalMaxMs: 400,
  preVote: false,
  networkDelayMs: 5,
  networkJitterMs: 10,
};

/** Slow syncs and short crashes: a leader comes back in time to elect a node that missed an entry. */
const UNSYNCED_CRASHES: Partial<SimulationOptions> = { nodes: 3, syncDelayMaxMs: 40, downtimeMinMs: 1, downtimeMaxMs: 50 };

export const UNSAFE_BUG_SETTINGS: Record<keyof UnsafeBugs, UnsafeBugSettings> = {
  forgetVote: { options: { durationMs: 3_000 }, seeds: 3 },
  commitByCountingOldTerms: { options: FIGURE_8, seeds: 10 },
  doubleVote: { options: SPLIT_VOTES, seeds: 10 },
  countUnsyncedSelf: { options: UNSYNCED_CRASHES, seeds: 60 },
};
