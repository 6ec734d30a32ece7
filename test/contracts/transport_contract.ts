/**
 * The contract every Transport keeps (MessagePort, TCP, and the simulator's network): what a
 * Raft node may rely on, checked through the port only. Each implementation provides a harness
 * that starts a small cluster of connected transports and lets time pass (real or virtual).
 *
 * Absence is checked by ordering, never by sleeping: a message that should be dropped is sent
 * first, then a marker on a path that works; once the marker has arrived, the dropped message
 * would have arrived too.
 */
import { describe, it, expect, afterEach } from 'vitest';
import type { Message, NodeId } from '../../src/core/types.js';
import { Prng } from '../../src/lib/prng.js';
import type { Transport } from '../../src/ports/transport.js';
import { LinkRules, type LinkRulesState } from '../../src/transport/link_rules.js';

export interface ContractTransport extends Transport {
  setRules(state: LinkRulesState): void;
}

export interface TransportHarness {
  transports: ReadonlyMap<NodeId, ContractTransport>;
  /** Lets time pass until done() holds (true) or deadlineMs of harness time pass (false). */
  waitUntil(done: () => boolean, deadlineMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export type StartHarness = (members: NodeId[]) => Promise<TransportHarness>;

const MEMBERS: NodeId[] = [1, 2, 3];
/** Generous: a loaded 2-core machine must never fail a healthy run. */
const DEADLINE_MS = 15_000;

/** Heartbeats make good probes: small, and readSeq tells them apart. */
function probe(from: NodeId, to: NodeId, seq: number): Message {
  return { type: 'heartbeat', from, to, term: 1, commit: 0, readSeq: seq };
}

function seqs(messages: readonly Message[], from?: NodeId): number[] {
  return messages.filter((m) => from === undefined || m.from === from).map((m) => (m.type === 'heartbeat' ? m.readSeq : -1));
}

export function runTransportContract(name: string, start: StartHarness): void {
  describe(`transport contract: ${name}`, () => {
    let harness: TransportHarness | null = null;
    const inbox = new Map<NodeId, Message[]>();

    afterEach(async () => {
      await harness?.close();
      harness = null;
    });

    async function setUp(): Promise<TransportHarness> {
      harness = await start(MEMBERS);
      for (const id of MEMBERS) {
        const received: Message[] = [];
        inbox.set(id, received);
        transport(id).onMessage((message) => received.push(message));
      }
      return harness;
    }

    function transport(id: NodeId): ContractTransport {
      const t = harness?.transports.get(id);
      if (t === undefined) throw new Error(`harness has no transport for node ${id}`);
      return t;
    }

    function received(id: NodeId): Message[] {
      return inbox.get(id) ?? [];
    }

    async function waitFor(what: string, done: () => boolean): Promise<void> {
      const ok = await (harness as TransportHarness).waitUntil(done, DEADLINE_MS);
      expect(ok, `timed out waiting for ${what}`).toBe(true);
    }

    /** Same rules everywhere, as the supervisor does. */
    function push(configure: (rules: LinkRules) => void): void {
      const rules = new LinkRules(MEMBERS, new Prng(7));
      configure(rules);
      const state = rules.state();
      for (const id of MEMBERS) transport(id).setRules(state);
    }

    it('delivers batches in order on a healthy link', async () => {
      await setUp();
      for (let batch = 0; batch < 4; batch++) {
        const messages: Message[] = [];
        for (let i = 0; i < 50; i++) {
          messages.push(probe(1, 2, batch * 50 + i), probe(1, 3, batch * 50 + i));
        }
        transport(1).send(messages);
      }
      await waitFor('200 messages at nodes 2 and 3', () => received(2).length >= 200 && received(3).length >= 200);
      const expected = Array.from({ length: 200 }, (_, i) => i);
      expect(seqs(received(2), 1)).toEqual(expected);
      expect(seqs(received(3), 1)).toEqual(expected);
      expect(received(2).every((m) => m.to === 2 && m.from === 1)).toBe(true);
    });

    it('carries a 1 MiB entry intact', async () => {
      await setUp();
      const data = new Uint8Array(1 << 20);
      const random = new Prng(11);
      for (let i = 0; i < data.length; i += 4) data[i] = random.int(0, 255);
      const append: Message = {
        type: 'append', from: 1, to: 2, term: 3, prevLogIndex: 9, prevLogTerm: 2, commit: 8,
        entries: [{ term: 3, index: 10, kind: 'normal', data }],
      };
      transport(1).send([append]);
      await waitFor('the append at node 2', () => received(2).length >= 1);
      const got = received(2)[0];
      if (got?.type !== 'append') throw new Error(`expected an append, got ${got?.type}`);
      expect({ ...got, entries: [] }).toEqual({ ...append, entries: [] });
      expect(got.entries).toHaveLength(1);
      expect(Buffer.from(got.entries[0]?.data ?? []).equals(Buffer.from(data))).toBe(true);
    });

    it('drops both ways across a partition and delivers inside a group', async () => {
      await setUp();
      push((rules) => rules.partition([[1], [2, 3]]));
      transport(1).send([probe(1, 2, 1), probe(1, 3, 1)]);
      transport(2).send([probe(2, 1, 2)]);
      transport(3).send([probe(3, 1, 3)]);
      transport(2).send([probe(2, 3, 100)]);
      transport(3).send([probe(3, 2, 100)]);
      await waitFor('markers inside the group', () => received(2).length >= 1 && received(3).length >= 1);
      expect(received(1)).toEqual([]);
      expect(seqs(received(2))).toEqual([100]);
      expect(seqs(received(3))).toEqual([100]);
    });

    it('cuts one way only', async () => {
      await setUp();
      push((rules) => rules.partitionOneWay(1, 2));
      transport(1).send([probe(1, 2, 1), probe(1, 3, 100)]);
      transport(2).send([probe(2, 1, 2)]);
      await waitFor('2 -> 1 and 1 -> 3', () => received(1).length >= 1 && received(3).length >= 1);
      expect(seqs(received(1))).toEqual([2]);
      expect(received(2)).toEqual([]);
    });

    it('heal restores delivery', async () => {
      await setUp();
      push((rules) => rules.isolate(1));
      transport(1).send([probe(1, 2, 1)]);
      push((rules) => rules.heal());
      transport(1).send([probe(1, 2, 2)]);
      transport(2).send([probe(2, 1, 3)]);
      await waitFor('delivery after heal', () => received(2).length >= 1 && received(1).length >= 1);
      expect(seqs(received(2))).toEqual([2]);
      expect(seqs(received(1))).toEqual([3]);
    });

    it('drops everything on a link with loss rate 1, in both directions', async () => {
      await setUp();
      push((rules) => rules.setLink(1, 2, { lossRate: 1 }));
      for (let i = 0; i < 10; i++) {
        transport(1).send([probe(1, 2, i)]);
        transport(2).send([probe(2, 1, i)]);
      }
      transport(1).send([probe(1, 3, 100)]);
      transport(2).send([probe(2, 3, 200)]);
      await waitFor('markers at node 3', () => received(3).length >= 2);
      expect(received(1)).toEqual([]);
      expect(received(2)).toEqual([]);
    });

    it('delivers every message twice with duplicate rate 1', async () => {
      await setUp();
      push((rules) => rules.setLink(1, 2, { duplicateRate: 1 }));
      transport(1).send([probe(1, 2, 1), probe(1, 2, 2), probe(1, 2, 3)]);
      await waitFor('six copies', () => received(2).length >= 6);
      transport(3).send([probe(3, 2, 100)]);
      await waitFor('marker from 3', () => seqs(received(2)).includes(100));
      const counts = new Map<number, number>();
      for (const seq of seqs(received(2), 1)) counts.set(seq, (counts.get(seq) ?? 0) + 1);
      expect([...counts.entries()].sort()).toEqual([[1, 2], [2, 2], [3, 2]]);
    });

    it('delays a delayed link: a later message on a fast path overtakes it', async () => {
      await setUp();
      push((rules) => rules.setLink(1, 2, { delayMs: 500 }));
      transport(1).send([probe(1, 2, 1), probe(1, 3, 2)]);
      await waitFor('the undelayed message at 3', () => received(3).length >= 1);
      transport(3).send([probe(3, 2, 3)]);
      await waitFor('both messages at 2', () => received(2).length >= 2);
      expect(seqs(received(2))).toEqual([3, 1]);
    });

    it('keeps a delayed link in order', async () => {
      await setUp();
      push((rules) => rules.setLink(1, 2, { delayMs: 20, jitterMs: 30 }));
      for (let i = 0; i < 30; i++) transport(1).send([probe(1, 2, i)]);
      await waitFor('30 delayed messages', () => received(2).length >= 30);
      expect(seqs(received(2))).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });

    it('hands over what a delayed link holds once the link is reset, in order, then new traffic', async () => {
      await setUp();
      push((rules) => rules.setLink(1, 2, { delayMs: 100_000 }));
      transport(1).send([probe(1, 2, 1)]);
      transport(1).send([probe(1, 2, 2)]);
      push(() => {});
      transport(1).send([probe(1, 2, 3)]);
      await waitFor('three messages at 2 well before the old delay', () => received(2).length >= 3);
      expect(seqs(received(2))).toEqual([1, 2, 3]);
    });

    it('treats a send to an unknown peer as a no-op', async () => {
      await setUp();
      expect(() => transport(1).send([probe(1, 99, 1), probe(1, 2, 2)])).not.toThrow();
      await waitFor('the known peer message', () => received(2).length >= 1);
      expect(seqs(received(2))).toEqual([2]);
      expect(received(3)).toEqual([]);
    });

    it('stops delivery to a closed transport', async () => {
      await setUp();
      transport(2).close();
      expect(() => transport(1).send([probe(1, 2, 1), probe(1, 3, 100)])).not.toThrow();
      transport(3).send([probe(3, 2, 2)]);
      await waitFor('the marker at 3', () => received(3).length >= 1);
      expect(received(2)).toEqual([]);
    });

    it('drops messages a closed transport was still holding back', async () => {
      await setUp();
      push((rules) => {
        rules.setLink(1, 2, { delayMs: 200 });
        rules.setLink(3, 2, { delayMs: 200 });
      });
      transport(1).send([probe(1, 2, 1)]);
      transport(1).close();
      transport(3).send([probe(3, 2, 100)]);
      await waitFor('the marker from 3', () => received(2).length >= 1);
      expect(seqs(received(2))).toEqual([100]);
    });
  });
}
