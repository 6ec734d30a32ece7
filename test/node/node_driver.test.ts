import { describe, it, expect } from 'vitest';
import type { Message } from '../../src/core/types.js';
import { DRIVER_LIMITS, NodeDriver } from '../../src/node/node_driver.js';
import { NodeService } from '../../src/node/node_service.js';
import type { NodeDriverOptions, NodeEvent, ProposalOutcome, ReadOutcome } from '../../src/node/types.js';
import { SILENT_LOGGER } from '../../src/ports/logger.js';
import type { Transport } from '../../src/ports/transport.js';
import { decodeGetResult, encodeGet, encodeSet, RegisterMachine } from '../../src/sim/register_machine.js';
import { MemoryStorage } from '../../src/storage/memory_storage.js';
import { decodeResults, encodeProposal, KvStateMachine } from '../../src/kv/index.js';
import { KV_PROPOSAL_GROUPING } from '../../src/runtime/kv_proposal_grouping.js';

const b = (text: string): Uint8Array => new TextEncoder().encode(text);

interface Harness {
  driver: NodeDriver;
  sent: Message[];
  events: NodeEvent[];
  deliver: (message: Message) => void;
  flushRequests: number;
}

/**
 * `checkQuorum: false` (and with it no read leases) for tests that hand a fresh node a vote
 * request: with check-quorum, a node ignores votes for its first election timeout.
 */
function makeDriver(overrides: Partial<NodeDriverOptions> & { voters?: number[]; checkQuorum?: boolean; uncommittedBytesMax?: number } = {}): Harness {
  const sent: Message[] = [];
  const events: NodeEvent[] = [];
  let handler: (message: Message) => void = () => {};
  const transport: Transport = {
    send: (messages) => void sent.push(...messages),
    onMessage: (h) => void (handler = h),
    close: () => {},
  };
  const harness = { sent, events, deliver: (m: Message) => handler(m), flushRequests: 0 } as Harness;
  harness.driver = new NodeDriver({
    raft: {
      electionTimeoutTicks: 10,
      heartbeatIntervalTicks: 2,
      preVote: true,
      checkQuorum: overrides.checkQuorum ?? true,
      readLease: overrides.checkQuorum ?? true,
      inflightAppendsMax: 8,
      appendBytesMax: 1 << 16,
      inflightBytesMax: 1 << 20,
      uncommittedEntriesMax: 1000,
      uncommittedBytesMax: overrides.uncommittedBytesMax ?? 1 << 20,
      snapshotChunkBytesMax: 1 << 16,
      snapshotChunkTimeoutTicks: 10,
      snapshotBytesMax: 1 << 30,
      appendGraceBytesPerTick: 0,
    },
    id: 1,
    seed: 1,
    initialMembership: { voters: overrides.voters ?? [1], learners: [] },
    storage: new MemoryStorage(),
    transport,
    stateMachine: new RegisterMachine(),
    logger: SILENT_LOGGER,
    requestFlush: () => void harness.flushRequests++,
    requestTimeoutTicks: 20,
    onEvent: (event) => void events.push(event),
    ...overrides,
  });
  return harness;
}

/** Ticks a single-voter node until it leads (it elects itself after one election timeout). */
function electSelf(h: Harness): void {
  for (let i = 0; i < 40 && h.driver.status().role !== 'leader'; i++) h.driver.tick();
  expect(h.driver.status().role).toBe('leader');
}

describe('NodeDriver on a single-voter cluster', () => {
  it('commits a batch of proposals and answers each with its index and result', () => {
    const h = makeDriver();
    electSelf(h);
    const outcomes: ProposalOutcome[] = [];
    h.driver.propose(encodeSet('a', '1'), (o) => outcomes.push(o));
    h.driver.propose(encodeSet('a', '2'), (o) => outcomes.push(o));
    expect(outcomes).toEqual([]); // queued until the runtime flushes
    expect(h.flushRequests).toBeGreaterThan(0);
    h.driver.flush();
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    const [first, second] = outcomes;
    if (!first?.ok || !second?.ok) throw new Error('unreachable');
    expect(second.index).toBe(first.index + 1);
    expect(new TextDecoder().decode(second.result)).toBe(`ok|${second.index}`);
    expect(h.driver.status().appliedIndex).toBe(second.index);
  });

  it('packs the proposals of one flush into one log entry when given a grouping, and answers each', () => {
    const h = makeDriver({ stateMachine: new KvStateMachine(), proposalGrouping: KV_PROPOSAL_GROUPING });
    electSelf(h);
    const before = h.driver.status().lastIndex;
    const outcomes: ProposalOutcome[] = [];
    for (const suffix of ['a', 'b', 'c']) {
      const proposal = encodeProposal([{ session: null, command: { type: 'append', key: b('k'), value: b(suffix) } }]);
      h.driver.propose(proposal, (o) => outcomes.push(o));
    }
    h.driver.flush();
    expect(h.driver.status().lastIndex).toBe(before + 1);
    const lengths = outcomes.map((o) => {
      if (!o.ok) throw new Error(`proposal failed: ${o.error.type}`);
      const decoded = decodeResults(o.result);
      return decoded.ok ? decoded.value[0] : decoded.message;
    });
    expect(lengths).toEqual([1n, 2n, 3n].map((value) => ({ type: 'integer', value })));
  });

  it('serves linearizable and stale reads from the applied state', async () => {
    const h = makeDriver({ requestFlush: () => queueMicrotask(() => h.driver.flush()) });
    electSelf(h);
    const service = new NodeService(h.driver);
    const write = await service.propose(encodeSet('k', 'v'));
    expect(write.ok).toBe(true);
    const reads: ReadOutcome[] = await Promise.all([service.read(encodeGet('k')), service.read(encodeGet('k'), 'stale')]);
    for (const read of reads) {
      expect(read.ok).toBe(true);
      if (read.ok) expect(decodeGetResult(read.result)?.value).toBe('v');
    }
  });

  it('a read barrier (null query) calls back where the state machine may be read, and queries nothing itself', async () => {
    const machine = new RegisterMachine();
    let queries = 0;
    const query = machine.query.bind(machine);
    machine.query = (bytes) => {
      queries++;
      return query(bytes);
    };
    const h = makeDriver({ stateMachine: machine, requestFlush: () => queueMicrotask(() => h.driver.flush()) });
    electSelf(h);
    expect((await new NodeService(h.driver).propose(encodeSet('k', 'v'))).ok).toBe(true);
    const seen: Array<string | undefined> = [];
    const outcomes = await Promise.all(
      (['linearizable', 'stale'] as const).map(
        (consistency) =>
          new Promise<ReadOutcome>((resolve) =>
            h.driver.read(null, consistency, (outcome) => {
              seen.push(decodeGetResult(query(encodeGet('k')))?.value); // the caller reads, inside the callback
              resolve(outcome);
            }),
          ),
      ),
    );
    expect(outcomes.map((outcome) => outcome.ok && outcome.result.length)).toEqual([0, 0]);
    expect(seen).toEqual(['v', 'v']);
    expect(queries).toBe(0);
  });

  it('emits leader-changed and applied events', () => {
    const h = makeDriver();
    electSelf(h);
    h.driver.propose(encodeSet('x', 'y'), () => {});
    h.driver.flush();
    expect(h.events.some((e) => e.type === 'leader-changed' && e.role === 'leader' && e.leader === 1)).toBe(true);
    const applied = h.events.filter((e) => e.type === 'applied');
    expect(applied.at(-1)).toMatchObject({ type: 'applied', node: 1, index: h.driver.status().appliedIndex });
  });

  it('restores from storage after a restart and re-applies committed entries', () => {
    const storage = new MemoryStorage();
    const h = makeDriver({ storage });
    electSelf(h);
    h.driver.propose(encodeSet('k', 'before-crash'), () => {});
    h.driver.flush();
    const committed = h.driver.status().commitIndex;
    // A crash: the driver and its state machine are gone, the disk stays.
    const machine = new RegisterMachine();
    const again = makeDriver({ storage: storage.reopen(), stateMachine: machine });
    expect(again.driver.status().term).toBe(h.driver.status().term);
    electSelf(again);
    expect(again.driver.status().appliedIndex).toBeGreaterThanOrEqual(committed);
    expect(decodeGetResult(machine.query(encodeGet('k')))?.value).toBe('before-crash');
  });

  it('fails pending work with stopped when stopped, and refuses new work', () => {
    const h = makeDriver();
    electSelf(h);
    const outcomes: ProposalOutcome[] = [];
    h.driver.propose(encodeSet('a', '1'), (o) => outcomes.push(o));
    h.driver.stop();
    h.driver.propose(encodeSet('a', '2'), (o) => outcomes.push(o));
    expect(outcomes).toEqual([
      { ok: false, error: { type: 'stopped' } },
      { ok: false, error: { type: 'stopped' } },
    ]);
  });

  it('refuses proposals beyond the pending limit with a clear error', () => {
    const h = makeDriver();
    electSelf(h);
    let refused: ProposalOutcome | undefined;
    for (let i = 0; i <= DRIVER_LIMITS.pendingProposalsMax; i++) {
      h.driver.propose(encodeSet('a', String(i)), (o) => {
        if (!o.ok) refused = o;
      });
    }
    expect(refused).toMatchObject({ ok: false, error: { type: 'proposal-dropped' } });
    expect(refused?.ok === false && refused.error.type === 'proposal-dropped' && refused.error.reason).toMatch(/pending proposals/);
  });

  it('refuses a proposal bigger than entryBytesMax, and only that one: the log never holds an entry the transport cannot carry', () => {
    const limitBytes = encodeSet('a', 'x'.repeat(50)).length;
    const h = makeDriver({ entryBytesMax: limitBytes });
    electSelf(h);
    const lastIndex = h.driver.status().lastIndex;
    const outcomes: ProposalOutcome[] = [];
    h.driver.propose(encodeSet('a', 'x'.repeat(50)), (o) => outcomes.push(o));
    const tooBig = encodeSet('a', 'x'.repeat(51));
    h.driver.propose(tooBig, (o) => outcomes.push(o));
    h.driver.propose(encodeSet('b', 'y'), (o) => outcomes.push(o));
    // Refused at once, before any flush; the other two commit as usual.
    expect(outcomes).toEqual([{ ok: false, error: { type: 'too-large', bytes: tooBig.length, limitBytes } }]);
    h.driver.flush();
    expect(outcomes.map((o) => o.ok)).toEqual([false, true, true]);
    expect(h.driver.status().lastIndex).toBe(lastIndex + 2);
  });

  it('takes the proposals of one flush that fit the uncommitted byte bound and refuses the rest, which fit again once those commit', () => {
    const command = (value: string): Uint8Array => encodeSet('a', value.repeat(40));
    const h = makeDriver({ uncommittedBytesMax: 2 * command('x').length });
    electSelf(h);
    const outcomes: ProposalOutcome[] = [];
    ['x', 'y', 'z'].forEach((value, i) => h.driver.propose(command(value), (o) => (outcomes[i] = o)));
    h.driver.flush();
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
    expect(outcomes[2]).toMatchObject({ ok: false, error: { type: 'proposal-dropped', reason: expect.stringMatching(/too many uncommitted bytes/) } });
    h.driver.propose(command('z'), (o) => (outcomes[3] = o));
    h.driver.flush();
    expect(outcomes[3]?.ok).toBe(true);
  });

  it('drops a message addressed to another node instead of crashing', () => {
    const h = makeDriver();
    h.deliver({ type: 'heartbeat', from: 2, to: 9, term: 5, commit: 0, readSeq: 0 });
    h.driver.flush();
    expect(h.driver.droppedMessages).toBe(1);
    expect(h.driver.status().term).toBe(0);
  });
});

describe('NodeDriver as a follower', () => {
  it('answers not-leader for proposals and linearizable reads', () => {
    const h = makeDriver({ voters: [1, 2, 3] });
    const outcomes: Array<ProposalOutcome | ReadOutcome> = [];
    h.driver.propose(encodeSet('a', '1'), (o) => outcomes.push(o));
    h.driver.read(encodeGet('a'), 'linearizable', (o) => outcomes.push(o));
    h.driver.flush();
    expect(outcomes).toEqual([
      { ok: false, error: { type: 'not-leader', leaderHint: 0 } },
      { ok: false, error: { type: 'not-leader', leaderHint: 0 } },
    ]);
  });

  it('persists its vote before the grant leaves the node', () => {
    const storage = new MemoryStorage();
    const h = makeDriver({ voters: [1, 2, 3], storage, checkQuorum: false });
    h.deliver({ type: 'vote', from: 2, to: 1, term: 1, pre: false, lastLogIndex: 0, lastLogTerm: 0 });
    h.driver.flush();
    const grant = h.sent.find((m) => m.type === 'vote-response');
    expect(grant).toMatchObject({ granted: true, to: 2, term: 1 });
    expect(storage.hardStateSnapshot()).toMatchObject({ term: 1, vote: 2 });
  });
});

/** A disk the test syncs by hand: writes are kept at once, durability comes when sync() runs. */
class HandSyncedStorage extends MemoryStorage {
  private waiting: Array<(error: Error | null) => void> = [];
  writes = 0;
  override save(batch: Parameters<MemoryStorage['save']>[0]): void {
    super.save(batch);
    this.writes++;
  }
  override whenDurable(callback: (error: Error | null) => void): void {
    this.waiting.push(callback);
  }
  sync(error: Error | null = null): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const callback of waiting) callback(error);
  }
}

describe('NodeDriver over a storage that syncs in the background', () => {
  it('keeps writing new proposals while earlier writes sync, and commits them once durable', () => {
    const storage = new HandSyncedStorage();
    const h = makeDriver({ storage });
    for (let i = 0; i < 40 && h.driver.status().role !== 'leader'; i++) {
      h.driver.tick();
      storage.sync(); // the vote for itself must be durable before it counts
    }
    expect(h.driver.status().role).toBe('leader');
    storage.sync();
    h.driver.flush();
    const outcomes: ProposalOutcome[] = [];
    h.driver.propose(encodeSet('a', '1'), (o) => outcomes.push(o));
    h.driver.flush();
    const writesBefore = storage.writes;
    h.driver.propose(encodeSet('a', '2'), (o) => outcomes.push(o));
    h.driver.flush();
    expect(storage.writes).toBe(writesBefore + 1); // written without waiting for the first sync
    expect(outcomes).toEqual([]); // a single voter commits only what is durable on its own disk
    storage.sync();
    h.driver.flush();
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
  });

  it('a proposal callback may stop the node: the rest of the Ready does not touch the closed storage', () => {
    const h = makeDriver();
    electSelf(h);
    const outcomes: ProposalOutcome[] = [];
    h.driver.propose(encodeSet('a', '1'), (o) => {
      outcomes.push(o);
      h.driver.stop();
    });
    h.driver.propose(encodeSet('a', '2'), (o) => outcomes.push(o));
    expect(() => h.driver.flush()).not.toThrow();
    expect(outcomes.map((o) => o.ok)).toEqual([true, false]);
  });

  it('answers heartbeats while its entries sync, but not before a new term is durable', () => {
    const storage = new HandSyncedStorage();
    const h = makeDriver({ storage, voters: [1, 2, 3] });
    const responses = (): Message[] => h.sent.filter((m) => m.type === 'heartbeat-response' || m.type === 'append-response');
    // A leader of term 2 appears: the new term is written but not durable, so nothing answers yet.
    h.deliver({ type: 'append', from: 2, to: 1, term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [{ index: 1, term: 2, kind: 'normal', data: b('x') }], commit: 0 });
    h.driver.flush();
    h.deliver({ type: 'heartbeat', from: 2, to: 1, term: 2, commit: 0, readSeq: 1 });
    h.driver.flush();
    expect(responses()).toEqual([]);
    storage.sync();
    h.driver.flush();
    expect(responses().map((m) => m.type)).toEqual(['append-response', 'heartbeat-response']);
    // Term 2 is durable now: a heartbeat is answered at once while a new entry is still syncing.
    h.sent.length = 0;
    h.deliver({ type: 'append', from: 2, to: 1, term: 2, prevLogIndex: 1, prevLogTerm: 2, entries: [{ index: 2, term: 2, kind: 'normal', data: b('y') }], commit: 1 });
    h.driver.flush();
    h.deliver({ type: 'heartbeat', from: 2, to: 1, term: 2, commit: 1, readSeq: 2 });
    h.driver.flush();
    expect(responses()).toMatchObject([{ type: 'heartbeat-response', term: 2, readSeq: 2 }]);
    storage.sync();
    h.driver.flush();
    expect(responses().map((m) => m.type)).toEqual(['heartbeat-response', 'append-response']); // the entry's ack only once durable
  });

  it('a failed sync stops the Ready loop with the disk error instead of acknowledging anything', () => {
    const storage = new HandSyncedStorage();
    const h = makeDriver({ storage, voters: [1, 2, 3], checkQuorum: false });
    h.deliver({ type: 'vote', from: 2, to: 1, term: 5, pre: false, lastLogIndex: 10, lastLogTerm: 5 });
    h.driver.flush();
    expect(h.sent.filter((m) => m.type === 'vote-response')).toEqual([]); // the vote waits for the disk
    storage.sync(new Error('disk on fire'));
    expect(() => h.driver.flush()).toThrow(/disk on fire/);
    expect(h.sent.filter((m) => m.type === 'vote-response')).toEqual([]);
  });
});
