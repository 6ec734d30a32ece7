/**
 * The leadership half of the emulator's catch-up scenario (cluster_snapshot.test.ts), on virtual
 * time: a follower that was down while the log was compacted comes back, catches up by
 * InstallSnapshot in many chunks while writes go on, and costs no election. Nobody campaigns, not
 * even with a pre-vote: the rejoin vote window, pre-vote and check-quorum keep the leader in place.
 *
 * Why here and not in the emulator: there, worker threads on a busy host can go unscheduled for
 * longer than the fast profile's election timeout (150 ms), and a new election is then Raft doing
 * its job. On virtual time every node runs when its turn comes, so any campaign is a real one.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/core/types.js';
import { resolveSimulationOptions } from '../../src/sim/simulation_options.js';
import { Simulator } from '../../src/sim/simulator.js';
import { runUntil, startWrites } from '../support/virtual_time.js';

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);
const WRITES_WHILE_DOWN = 400;
const WRITES_DURING_CATCH_UP = 100;
const WRITES_IN_FLIGHT = 20;
function runScenario(seed: number): { installs: number; campaigns: string[] } {
  const sim = new Simulator(resolveSimulationOptions({
    seed,
    nodes: 3,
    nemesis: [],
    snapshotEntriesThreshold: 40,
    snapshotRetainEntries: 5,
    snapshotChunkBytesMax: 256,
  }));
  sim.start();
  runUntil(sim, 'leader', () => sim.currentLeader() !== 0);
  const leader = sim.currentLeader();
  const term = sim.node(leader).term;
  const lagging = sim.nodeIds.find((id) => id !== leader) as NodeId;
  // The leader leads in its term and everyone else follows; a restarted follower may come back in
  // an older term (its last term change may not have been synced before the crash).
  const deviations = (): string[] =>
    [...sim.nodes.values()]
      .filter((node) => {
        if (node.driver === null) return false;
        if (node.id === leader) return node.role !== 'leader' || node.term !== term;
        return node.role !== 'follower' || node.term > term;
      })
      .map((node) => `node ${node.id}: ${node.role} in term ${node.term}`);
  const campaigns = new Set<string>();
  const watchLeadership = (): void => {
    for (const deviation of deviations()) campaigns.add(deviation);
  };

  const behind = sim.node(lagging).driver?.status().lastIndex ?? 0;
  sim.crash(lagging);
  runUntil(sim, 'writes while a follower is down', startWrites(sim, leader, 'down', WRITES_WHILE_DOWN, WRITES_IN_FLIGHT), watchLeadership);
  const head = sim.node(leader).driver?.status();
  expect(head?.firstIndex, 'the leader compacted away what the lagging node needs next').toBeGreaterThan(behind + 1);

  const installsBefore = sim.stats.snapshotsInstalled;
  sim.restart(lagging);
  const written = startWrites(sim, leader, 'back', WRITES_DURING_CATCH_UP, WRITES_IN_FLIGHT);
  const caughtUp = (): boolean => {
    const me = sim.node(lagging).driver?.status();
    const now = sim.node(leader).driver?.status();
    return written() && me !== undefined && now !== undefined && me.appliedIndex === now.commitIndex;
  };
  runUntil(sim, 'catch-up', caughtUp, watchLeadership);
  return { installs: sim.stats.snapshotsInstalled - installsBefore, campaigns: [...campaigns] };
}

describe('a follower catching up by InstallSnapshot (simulator, 3 nodes, fast timing)', () => {
  it.each(SEEDS)('costs no election (seed %i)', (seed) => {
    const { installs, campaigns } = runScenario(seed);
    expect(installs).toBeGreaterThan(0);
    expect(campaigns).toEqual([]);
  });
});
