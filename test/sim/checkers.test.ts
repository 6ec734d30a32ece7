/** Each checker on hand-made observations: it fires on the violation it exists for. */
import { describe, it, expect } from 'vitest';
import type { Entry } from '../../src/core/types.js';
import { SafetyCheckers } from '../../src/sim/checkers/safety_checkers.js';
import { encodeSet } from '../../src/sim/register_machine.js';

const empty = { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [], bootstrapMembership: null };

function entry(index: number, term: number, text = `set|k|v${index}`): Entry {
  return { index, term, kind: 'normal', data: new TextEncoder().encode(text) };
}

function fresh(): SafetyCheckers {
  const checkers = new SafetyCheckers(() => 0);
  for (const node of [1, 2, 3]) checkers.onLoad(node, empty);
  return checkers;
}

describe('safety checkers', () => {
  it('election safety: two leaders in one term', () => {
    const c = fresh();
    c.onSoftState(1, 'leader', 2);
    c.onSoftState(1, 'leader', 2);
    expect(c.violation).toBeNull();
    c.onSoftState(2, 'leader', 2);
    expect(c.violation?.checker).toBe('election-safety');
  });

  it('log matching: same index and term, different bytes', () => {
    const c = fresh();
    c.onSave(1, { hardState: null, entries: [entry(1, 1, 'set|a|1')] });
    c.onSave(2, { hardState: null, entries: [entry(1, 1, 'set|a|2')] });
    expect(c.violation?.checker).toBe('log-matching');
  });

  it('log matching: same index and term after different predecessors', () => {
    const c = fresh();
    c.onSave(1, { hardState: null, entries: [entry(1, 1), entry(2, 3)] });
    c.onSave(2, { hardState: null, entries: [entry(1, 2), entry(2, 3)] });
    expect(c.violation?.checker).toBe('log-matching');
  });

  it('state-machine safety: different entries applied at one index', () => {
    const c = fresh();
    c.onApplied(1, [entry(1, 1, 'set|a|1')]);
    c.onApplied(2, [entry(1, 1, 'set|a|1')]);
    expect(c.violation).toBeNull();
    c.onApplied(3, [entry(1, 2, 'set|a|9')]);
    expect(c.violation?.checker).toBe('state-machine-safety');
  });

  it('leader completeness: a leader without a committed entry of an earlier term', () => {
    const c = fresh();
    c.onSave(1, { hardState: null, entries: [entry(1, 1)] });
    c.onApplied(1, [entry(1, 1)]);
    c.onSoftState(2, 'leader', 2);
    expect(c.violation?.checker).toBe('leader-completeness');
  });

  it('durability: an acknowledged write replaced by another entry', () => {
    const c = fresh();
    c.onWriteAcked(1, encodeSet('k', 'mine'));
    c.onApplied(1, [{ index: 1, term: 1, kind: 'normal', data: encodeSet('k', 'other') }]);
    expect(c.violation?.checker).toBe('durability');
  });

  it('linearizable reads: a read older than an acknowledged write, or a wrong value', () => {
    const stale = fresh();
    stale.onApplied(1, [{ index: 1, term: 1, kind: 'normal', data: encodeSet('k', 'a') }]);
    stale.onReadOk('k', 1, 0, new TextEncoder().encode('0|'));
    expect(stale.violation?.checker).toBe('linearizable-reads');

    const wrong = fresh();
    wrong.onApplied(1, [{ index: 1, term: 1, kind: 'normal', data: encodeSet('k', 'a') }]);
    wrong.onReadOk('k', 0, 1, new TextEncoder().encode('1|a'));
    expect(wrong.violation).toBeNull();
    wrong.onReadOk('k', 0, 1, new TextEncoder().encode('1|b'));
    expect(wrong.violation?.checker).toBe('linearizable-reads');
  });

  it('persistence: a vote or an append acknowledged before it is on disk', () => {
    const vote = fresh();
    vote.onSend({ type: 'vote-response', from: 1, to: 2, term: 1, pre: false, granted: true });
    expect(vote.violation?.checker).toBe('persistence');

    const append = fresh();
    append.onSend({ type: 'append-response', from: 1, to: 2, term: 1, success: true, matchIndex: 3, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 });
    expect(append.violation?.checker).toBe('persistence');
  });

  it('persistence: a grant of an older term than the one on disk is fine (superseded in the same batch)', () => {
    const c = fresh();
    c.onSave(1, { hardState: { term: 6, vote: 0, commit: 0 }, entries: [] });
    c.onSend({ type: 'vote-response', from: 1, to: 5, term: 5, pre: false, granted: true });
    expect(c.violation).toBeNull();
    c.onSend({ type: 'vote-response', from: 1, to: 5, term: 6, pre: false, granted: true });
    expect(c.violation?.checker).toBe('persistence');
  });

  it('commit rule: a leader advancing its commit to an entry of an older term', () => {
    const c = fresh();
    c.onSave(1, { hardState: { term: 2, vote: 1, commit: 0 }, entries: [entry(1, 1)] });
    c.onSoftState(1, 'leader', 2);
    c.onSave(1, { hardState: { term: 2, vote: 1, commit: 1 }, entries: [] });
    expect(c.violation?.checker).toBe('commit-rule');
  });
});
