/**
 * Patience after a big append (RaftConfig.appendGraceBytesPerTick): the leader that sent it, and
 * the followers that received it, are busy writing it for a while, and the leader's heartbeats wait
 * meanwhile. A follower waits that much longer before it campaigns, a leader before check-quorum;
 * a heartbeat (the leader is free again) ends the wait.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/core/types.js';
import { TestCluster } from './harness.js';

const ELECTION_TICKS = 10;
const GRACE_BYTES_PER_TICK = 100;
const ENTRY_BYTES = 5_000; // 50 ticks of grace

function cluster(appendGraceBytesPerTick: number): TestCluster {
  const c = new TestCluster([1, 2, 3], { electionTimeoutTicks: ELECTION_TICKS, heartbeatIntervalTicks: 1, appendGraceBytesPerTick });
  c.elect(1);
  c.node(1).propose([new Uint8Array(ENTRY_BYTES)]);
  c.settle(); // the big append reaches both followers, and they acknowledge it
  return c;
}

/** Ticks only `ids` (the others stand still, as a node busy on its disk does) until one leaves the follower role. */
function ticksUntilCampaign(c: TestCluster, ids: NodeId[], limit: number): number {
  for (let tick = 1; tick <= limit; tick++) {
    for (const id of ids) c.node(id).tick();
    c.settle();
    if (ids.some((id) => c.node(id).role !== 'follower')) return tick;
  }
  return Infinity;
}

describe('patience after a big append', () => {
  it('a follower that received one waits entry bytes / appendGraceBytesPerTick ticks longer before it campaigns', () => {
    const withoutGrace = cluster(0);
    withoutGrace.isolate(1);
    expect(ticksUntilCampaign(withoutGrace, [2, 3], 200)).toBeLessThan(2 * ELECTION_TICKS);

    const withGrace = cluster(GRACE_BYTES_PER_TICK);
    withGrace.isolate(1);
    const ticks = ticksUntilCampaign(withGrace, [2, 3], 200);
    expect(ticks).toBeGreaterThan(ENTRY_BYTES / GRACE_BYTES_PER_TICK + ELECTION_TICKS - 1);
    expect(ticks).toBeLessThan(ENTRY_BYTES / GRACE_BYTES_PER_TICK + 2 * ELECTION_TICKS); // it still fails over
  });

  it("a heartbeat ends the grace: the leader is free again, so its silence counts from there", () => {
    const c = cluster(GRACE_BYTES_PER_TICK);
    c.node(1).tick(); // heartbeatIntervalTicks 1: the leader heartbeats
    c.settle();
    expect(c.node(2).electionElapsedTicks).toBe(0);
    c.isolate(1);
    expect(ticksUntilCampaign(c, [2, 3], 200)).toBeLessThan(2 * ELECTION_TICKS);
  });

  it('a small append after the big one keeps the grace running (both may leave before the one write of them)', () => {
    const c = cluster(GRACE_BYTES_PER_TICK);
    c.node(1).propose([new Uint8Array(10)]);
    c.settle();
    expect(c.node(2).electionElapsedTicks).toBeLessThanOrEqual(-(ENTRY_BYTES / GRACE_BYTES_PER_TICK));
  });

  it('a leader that sent one postpones check-quorum as long', () => {
    const stepsDownAfter = (c: TestCluster): number => {
      c.isolate(1);
      for (let tick = 1; tick <= 200; tick++) {
        c.node(1).tick();
        c.settle();
        if (c.node(1).role !== 'leader') return tick;
      }
      return Infinity;
    };
    expect(stepsDownAfter(cluster(0))).toBeLessThanOrEqual(2 * ELECTION_TICKS);
    const ticks = stepsDownAfter(cluster(GRACE_BYTES_PER_TICK));
    expect(ticks).toBeGreaterThan(ENTRY_BYTES / GRACE_BYTES_PER_TICK);
    expect(ticks).toBeLessThanOrEqual(ENTRY_BYTES / GRACE_BYTES_PER_TICK + 2 * ELECTION_TICKS);
  });

  it('a leader in a minority that keeps replicating small entries to one follower still steps down', () => {
    // Five nodes; the leader keeps only node 2. Appends of small entries earn no grace and must not
    // hold check-quorum off (they did: each append set the timer back to 0).
    for (const grace of [0, GRACE_BYTES_PER_TICK]) {
      const c = new TestCluster([1, 2, 3, 4, 5], { electionTimeoutTicks: ELECTION_TICKS, heartbeatIntervalTicks: 1, appendGraceBytesPerTick: grace });
      c.elect(1);
      for (const other of [3, 4, 5]) c.cut.add(`1>${other}`).add(`${other}>1`);
      let steppedDownAt = Infinity;
      for (let tick = 1; tick <= 10 * ELECTION_TICKS && steppedDownAt === Infinity; tick++) {
        if (c.node(1).role === 'leader') c.node(1).propose([new Uint8Array(10)]);
        c.node(1).tick();
        c.node(2).tick();
        c.settle();
        if (c.node(1).role !== 'leader') steppedDownAt = tick;
      }
      expect(steppedDownAt, `grace ${grace}`).toBeLessThanOrEqual(2 * ELECTION_TICKS);
    }
  });
});
