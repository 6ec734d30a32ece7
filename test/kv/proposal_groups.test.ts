import { describe, expect, it } from 'vitest';
import { decodeResults, encodeProposal, KvStateMachine, type KvResult } from '../../src/kv/index.js';
import { encodeProposalGroup, splitGroupResults } from '../../src/kv/command_codec.js';
import { b, Harness } from './kv_helpers.js';

const appendTo = (key: string, suffix: string, clientId: string, sequence: number): Uint8Array =>
  encodeProposal([{ session: { clientId, sequence }, command: { type: 'append', key: b(key), value: b(suffix) } }]);

function groupResults(machine: KvStateMachine, index: number, proposals: Uint8Array[]): KvResult[][] {
  const split = splitGroupResults(machine.apply(encodeProposalGroup(proposals), index), proposals.length);
  if (!split.ok) throw new Error(split.message);
  return split.value.map((part) => {
    const decoded = decodeResults(part);
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value;
  });
}

describe('proposal groups: many client proposals in one log entry', () => {
  it('applies the packed proposals in order and answers each with its own results', () => {
    const harness = new Harness();
    const results = groupResults(harness.machine, 1, [appendTo('k', 'a', 'c1', 1), appendTo('k', 'b', 'c2', 1), appendTo('k', 'c', 'c1', 2)]);
    expect(results).toEqual([[{ type: 'integer', value: 1n }], [{ type: 'integer', value: 2n }], [{ type: 'integer', value: 3n }]]);
    harness.index = 1;
    expect(harness.get('k')).toBe('abc');
  });

  it('keeps exactly-once per packed proposal: a retry inside a later group applies nothing', () => {
    const machine = new KvStateMachine();
    groupResults(machine, 1, [appendTo('k', 'x', 'c1', 1), appendTo('k', 'y', 'c2', 1)]);
    const retried = groupResults(machine, 2, [appendTo('k', 'x', 'c1', 1), appendTo('k', 'z', 'c3', 1)]);
    expect(retried[0]).toEqual([{ type: 'integer', value: 1n }]); // its first answer, not applied again
    const harness = new Harness(machine);
    harness.index = 2;
    expect(harness.get('k')).toBe('xyz');
  });

  it('answers a malformed packed proposal with an error result and still applies the others', () => {
    const machine = new KvStateMachine();
    const results = groupResults(machine, 1, [Uint8Array.of(1, 9, 9), appendTo('k', 'ok', 'c1', 1)]);
    expect(results[0]?.[0]?.type).toBe('error');
    expect(results[1]).toEqual([{ type: 'integer', value: 2n }]);
  });

  it('refuses to split results into a different number of parts than were packed', () => {
    const machine = new KvStateMachine();
    const result = machine.apply(encodeProposalGroup([appendTo('k', 'a', 'c1', 1)]), 1);
    expect(splitGroupResults(result, 2).ok).toBe(false);
  });

  it('changes a follower (result not wanted) exactly as the leader, and keeps session results for retries', () => {
    const plain = encodeProposal([{ session: null, command: { type: 'set', key: b('p'), value: b('1'), condition: 'always', returnOld: false } }]);
    const log = [
      encodeProposalGroup([appendTo('k', 'a', 'c1', 1), plain, Uint8Array.of(1, 9, 9)]),
      appendTo('k', 'b', 'c2', 1),
      Uint8Array.of(7, 7, 7),
    ];
    const leader = new KvStateMachine();
    const follower = new KvStateMachine();
    log.forEach((entry, i) => {
      leader.apply(entry, i + 1);
      expect(follower.apply(entry, i + 1, false).length).toBe(0);
    });
    expect(follower.snapshot()).toEqual(leader.snapshot());
    // The follower becomes leader: a client's retry still gets its first answer, not a second append.
    const retried = groupResults(follower, log.length + 1, [appendTo('k', 'a', 'c1', 1)]);
    expect(retried[0]).toEqual([{ type: 'integer', value: 1n }]);
  });
});
