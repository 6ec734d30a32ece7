/**
 * The leadership half of the emulator's healed-node scenario (partition.test.ts), on virtual time:
 * a follower cut off from everyone probes with pre-votes nobody can grant, so its term stays put;
 * healed, it rejoins as a follower and costs no election. The leader keeps its term throughout.
 *
 * Why here and not in the emulator: there, a worker thread on a busy host can go unscheduled for
 * longer than the fast profile's election timeout (150 ms), and the other nodes then elect anew,
 * correctly. On virtual time every node runs when its turn comes, so any campaign is a real one.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/core/types.js';
import { resolveSimulationOptions } from '../../src/sim/simulation_options.js';
import { Simulator } from '../../src/sim/simulator.js';
import { runFor, runUntil, startWrites } from '../support/virtual_time.js';

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
/** Cut off for this long (about ten election timeouts), a node without pre-vote would campaign many times. */
const ISOLATED_MS = 3_000;
const WRITES_PER_PHASE = 20;

function runScenario(seed: number): string[] {
  const sim = new Simulator(resolveSimulationOptions({ seed, nodes: 5, nemesis: [] }));
  sim.start();
  runUntil(sim, 'leader', () => sim.currentLeader() !== 0);
  const leader = sim.currentLeader();
  const status = (id: NodeId) => sim.node(id).driver?.status();
  const term = status(leader)?.term;
  const isolated = sim.nodeIds.find((id) => id !== leader) as NodeId;

  // The leader leads in its term; the others follow in it. The isolated node may probe with
  // pre-votes (pre-candidate, same term) but never campaigns for real.
  const deviations = new Set<string>();
  const watch = (): void => {
    for (const id of sim.nodeIds) {
      const now = status(id);
      if (now === undefined) continue;
      const allowed = id === leader ? ['leader'] : id === isolated ? ['follower', 'pre-candidate'] : ['follower'];
      if (!allowed.includes(now.role) || now.term !== term) deviations.add(`node ${id}: ${now.role} in term ${now.term}`);
    }
  };

  try {
    sim.isolate(isolated);
    runUntil(sim, 'campaign of the isolated node', () => status(isolated)?.role !== 'follower', watch);
    runUntil(sim, 'writes while a node is cut off', startWrites(sim, leader, 'isolated', WRITES_PER_PHASE), watch);
    runFor(sim, ISOLATED_MS, watch);

    sim.heal();
    const written = startWrites(sim, leader, 'healed', WRITES_PER_PHASE);
    const rejoined = (): boolean => {
      const head = status(leader);
      const me = status(isolated);
      return written() && head !== undefined && me !== undefined && me.role === 'follower' && me.leader === leader && me.appliedIndex === head.commitIndex;
    };
    runUntil(sim, 'rejoin of the healed node', rejoined, watch);
  } catch (error) {
    // A deposed leader fails its writes and the rejoin never comes: report what led there too.
    deviations.add(String(error));
  }
  return [...deviations];
}

describe('a healed isolated node (simulator, 5 nodes, fast timing)', () => {
  it.each(SEEDS)('does not depose a healthy leader (pre-vote; seed %i)', (seed) => {
    expect(runScenario(seed)).toEqual([]);
  });
});
