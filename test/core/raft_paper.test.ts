import { describe, expect, it } from 'vitest';
import type { Entry, NodeId } from '../../src/core/types.js';
import { TestCluster, entries } from './harness.js';

function restoreWith(cluster: TestCluster, id: NodeId, terms: number[], term: number): void {
  cluster.start(id, {
    hardState: { term, vote: 0, commit: 0 },
    snapshot: null,
    entries: entries(terms),
    membership: { voters: cluster.ids, learners: [] },
  });
}

const termsOf = (log: Entry[]): number[] => log.map((e) => e.term);

describe('Raft paper, Figure 7: a new leader brings divergent follower logs in line', () => {
  it('makes every follower log (a)–(f) equal to the leader of term 8', () => {
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const followers: Record<string, number[]> = {
      a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
      b: [1, 1, 1, 4],
      c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
      d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
      e: [1, 1, 1, 4, 4, 4, 4],
      f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    };
    const ids = [1, 2, 3, 4, 5, 6, 7];
    const cluster = new TestCluster(ids);
    restoreWith(cluster, 1, leaderLog, 7);
    Object.values(followers).forEach((log, i) => restoreWith(cluster, i + 2, log, 7));

    cluster.elect(1);
    expect(cluster.node(1).term).toBe(8);
    const expected = [...leaderLog, 8]; // plus the new leader's no-op
    for (const id of ids) expect(termsOf(cluster.disks.get(id)!.entries), `node ${id}`).toEqual(expected);
    expect(cluster.node(1).log.commitIndex).toBe(11);
  });
});

describe('Raft paper, Figure 8: a leader never commits an earlier-term entry by counting replicas', () => {
  /**
   * S1 leads term 4 with (1, 2) at indexes 1–2 and gets index 2 onto S2 and S3 (a majority), while
   * its own term-4 no-op is lost. S5 holds a term-3 entry at index 2 and can still win an election.
   */
  function figure8(unsafe: boolean): TestCluster {
    const ids = [1, 2, 3, 4, 5];
    const cluster = new TestCluster(ids, { appendBytesMax: 1, unsafe: { commitByCountingOldTerms: unsafe } });
    restoreWith(cluster, 1, [1, 2], 3);
    restoreWith(cluster, 2, [1], 3);
    restoreWith(cluster, 3, [1], 3);
    restoreWith(cluster, 4, [1], 3);
    restoreWith(cluster, 5, [1, 3], 3);
    // The no-op is lost on its way to followers that already hold index 2 (a probe that they
    // reject still arrives, so they back off and take index 2 alone); S4 hears nothing.
    cluster.dropIf = (m) =>
      (m.type === 'append' && m.entries.some((e) => e.term === 4) && cluster.node(m.to).log.lastIndex() >= 2) ||
      (m.from === 1 && m.to === 4 && m.type !== 'vote');
    cluster.elect(1);
    expect(cluster.node(1).term).toBe(4);
    for (const id of [1, 2, 3]) expect(termsOf(cluster.disks.get(id)!.entries).slice(0, 2)).toEqual([1, 2]);
    return cluster;
  }

  it('leaves index 2 uncommitted, so S5 may safely overwrite it after S1 fails', () => {
    const cluster = figure8(false);
    expect(cluster.node(1).log.commitIndex).toBe(0);
    cluster.isolate(1);
    cluster.dropIf = null;
    cluster.expireLeaderLeases();
    cluster.elect(5);
    for (const id of [2, 3, 4, 5]) expect(termsOf(cluster.disks.get(id)!.entries), `node ${id}`).toEqual([1, 3, 5]);
    // Nothing was ever applied at index 2 with term 2.
    for (const id of [1, 2, 3, 4, 5]) expect(cluster.applied.get(id)!.some((e) => e.index === 2 && e.term === 2)).toBe(false);
  });

  it('the broken variant that counts replicas commits an entry a later leader overwrites', () => {
    const cluster = figure8(true);
    expect(cluster.node(1).log.commitIndex).toBe(2);
    expect(cluster.applied.get(1)!.find((e) => e.index === 2)?.term).toBe(2);
    // ...yet S5, whose log holds term 3 at index 2, can still be elected: acknowledged data is lost.
    cluster.isolate(1);
    cluster.dropIf = (m) => m.to === 2 || m.to === 3 ? m.type === 'append' : false;
    cluster.expireLeaderLeases();
    cluster.elect(5);
    expect(cluster.node(5).log.term(2)).toBe(3);
  });
});

describe('Raft paper §5.4.1: the election restriction', () => {
  it('a candidate whose log is behind a majority cannot win', () => {
    const cluster = new TestCluster([1, 2, 3]);
    restoreWith(cluster, 1, [1, 2], 2);
    restoreWith(cluster, 2, [1, 1], 2);
    restoreWith(cluster, 3, [1, 2], 2);
    cluster.node(2).campaign();
    cluster.settle();
    expect(cluster.leaders()).toEqual([]);
    expect(cluster.node(2).term).toBe(2); // pre-vote failed: the term did not move
    cluster.elect(3);
    expect(cluster.leaders()).toEqual([3]);
  });

  it('without pre-vote the outdated candidate raises its term but still loses', () => {
    const cluster = new TestCluster([1, 2, 3], { preVote: false });
    restoreWith(cluster, 1, [1, 2], 2);
    restoreWith(cluster, 2, [1, 1], 2);
    restoreWith(cluster, 3, [1, 2], 2);
    cluster.node(2).campaign();
    cluster.settle();
    expect(cluster.node(2).role).not.toBe('leader');
    expect(cluster.node(2).term).toBe(3);
  });
});
