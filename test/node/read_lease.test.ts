import { describe, expect, it } from 'vitest';
import { DEFAULT_RAFT_TUNING } from '../../src/core/config.js';
import type { Message } from '../../src/core/types.js';
import { NodeDriver } from '../../src/node/node_driver.js';
import { LEASE_SAFETY_FACTOR } from '../../src/node/read_lease.js';
import type { ReadOutcome } from '../../src/node/types.js';
import { SILENT_LOGGER } from '../../src/ports/logger.js';
import { encodeGet, encodeSet, RegisterMachine } from '../../src/sim/register_machine.js';
import { MemoryStorage } from '../../src/storage/memory_storage.js';

const ELECTION_TIMEOUT_TICKS = 10;
const TICK_MS = 10;
const LEASE_MS = (ELECTION_TIMEOUT_TICKS - 1) * TICK_MS * LEASE_SAFETY_FACTOR;

/** Three drivers on a hand-run network and a hand-set clock. */
function threeNodes() {
  const clock = { now: 0, nowMs: () => clock.now, tickMs: TICK_MS };
  let queue: Message[] = [];
  const sent: Message[] = [];
  const handlers = new Map<number, (message: Message) => void>();
  const drivers = [1, 2, 3].map(
    (id) =>
      new NodeDriver({
        raft: { ...DEFAULT_RAFT_TUNING, electionTimeoutTicks: ELECTION_TIMEOUT_TICKS, heartbeatIntervalTicks: 2 },
        id,
        seed: id,
        initialMembership: { voters: [1, 2, 3], learners: [] },
        storage: new MemoryStorage(),
        transport: {
          send: (messages) => {
            sent.push(...messages);
            queue.push(...messages);
          },
          onMessage: (handler) => void handlers.set(id, handler),
          close: () => undefined,
        },
        stateMachine: new RegisterMachine(),
        logger: SILENT_LOGGER,
        requestFlush: () => undefined,
        requestTimeoutTicks: 1000,
        leaseClock: clock,
      }),
  );
  const settle = (): void => {
    for (let round = 0; round < 1000; round++) {
      for (const driver of drivers) driver.flush();
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      for (const message of batch) handlers.get(message.to)?.(message);
    }
    throw new Error('network did not settle');
  };
  // A node just started ignores votes for an election timeout (it may have been part of a lease
  // before a restart), so the first election comes from ticking, not from campaign() at once.
  for (let tick = 0; tick < 10 * ELECTION_TIMEOUT_TICKS && !drivers.some((d) => d.status().role === 'leader'); tick++) {
    for (const driver of drivers) driver.tick();
    settle();
  }
  const leader = drivers.find((d) => d.status().role === 'leader') as NodeDriver;
  expect(leader).toBeDefined();
  leader.propose(encodeSet('x', '1'), () => undefined);
  settle();
  const heartbeatsSent = (): number => sent.filter((m) => m.from === leader.id && m.type === 'heartbeat').length;
  const read = (): ReadOutcome[] => {
    const outcomes: ReadOutcome[] = [];
    leader.read(encodeGet('x'), 'linearizable', (outcome) => outcomes.push(outcome));
    leader.flush();
    return outcomes;
  };
  return { clock, leader, drivers, settle, heartbeatsSent, read };
}

describe('read lease on the leader', () => {
  it('serves reads without a quorum round while a confirmed round is younger than the lease', () => {
    const c = threeNodes();
    const first = c.read();
    expect(first).toEqual([]); // no lease yet: it takes a round
    c.settle();
    expect(first.map((o) => o.ok)).toEqual([true]);
    c.clock.now += LEASE_MS / 4;
    const heartbeats = c.heartbeatsSent();
    const second = c.read();
    expect(second.map((o) => o.ok)).toEqual([true]); // answered in the same flush
    expect(c.heartbeatsSent()).toBe(heartbeats); // and no round was needed
  });

  it('needs a round again once the lease time has passed, even with no tick in between (a stalled or paused leader)', () => {
    const c = threeNodes();
    c.read();
    c.settle();
    c.clock.now += LEASE_MS + 1; // the clock ran on; the leader's ticks did not
    const heartbeats = c.heartbeatsSent();
    const late = c.read();
    expect(late).toEqual([]);
    expect(c.heartbeatsSent()).toBeGreaterThan(heartbeats);
    c.settle();
    expect(late.map((o) => o.ok)).toEqual([true]);
  });

  it('renews the lease in the background while reads keep coming, so they never wait for a round', () => {
    const c = threeNodes();
    c.read();
    c.settle();
    for (let i = 0; i < 20; i++) {
      c.clock.now += LEASE_MS / 3;
      expect(c.read().map((o) => o.ok)).toEqual([true]);
      c.settle(); // the renewal round started by the read above completes
    }
  });
});
