import { describe, expect, it } from 'vitest';
import type { Message, Snapshot } from '../../src/core/types.js';
import { TestCluster } from './harness.js';

const enc = new TextEncoder();

/** A "state machine snapshot" for these tests: the applied texts, joined. */
function snapshotOf(cluster: TestCluster, id: number): Snapshot {
  const node = cluster.node(id);
  return node.createSnapshot(enc.encode(cluster.appliedTexts(id).join(',')));
}

function fillAndCompact(cluster: TestCluster, leader: number, count: number, retain = 0): Snapshot {
  for (let i = 0; i < count; i++) cluster.propose(leader, `v${i}`);
  const snapshot = snapshotOf(cluster, leader);
  cluster.node(leader).compact(snapshot, retain);
  return snapshot;
}

describe('snapshots and log compaction', () => {
  it('compaction drops the covered log but keeps the retained tail', () => {
    const cluster = new TestCluster([1, 2, 3]);
    cluster.elect(1);
    const snapshot = fillAndCompact(cluster, 1, 20, 5);
    const status = cluster.node(1).status();
    expect(snapshot.meta.index).toBe(21);
    expect(status.snapshotIndex).toBe(16);
    expect(status.firstIndex).toBe(17);
    expect(snapshot.meta.membership).toEqual({ voters: [1, 2, 3], learners: [] });
  });

  it('a follower behind the compacted log catches up by InstallSnapshot, in chunks', () => {
    const cluster = new TestCluster([1, 2, 3], { snapshotChunkBytesMax: 16 });
    cluster.elect(1);
    cluster.isolate(3);
    fillAndCompact(cluster, 1, 30);
    cluster.heal();
    const chunks: Message[] = [];
    cluster.dropIf = (m) => {
      if (m.type === 'snapshot') chunks.push(m);
      return false;
    };
    cluster.tickAll(3);
    cluster.propose(1, 'after');
    expect(chunks.length).toBeGreaterThan(5);
    expect(cluster.node(3).status().snapshotIndex).toBe(31);
    expect(cluster.node(3).log.commitIndex).toBe(cluster.node(1).log.commitIndex);
    expect(cluster.appliedTexts(3)).toEqual(['after']); // the rest came in the snapshot
  });

  it('a lost chunk is resent after the chunk timeout and the transfer resumes where it stopped', () => {
    const cluster = new TestCluster([1, 2, 3], { snapshotChunkBytesMax: 16, snapshotChunkTimeoutTicks: 3 });
    cluster.elect(1);
    cluster.isolate(3);
    fillAndCompact(cluster, 1, 30);
    cluster.heal();
    const offsets: number[] = [];
    let dropped = false;
    cluster.dropIf = (m) => {
      if (m.type !== 'snapshot') return false;
      offsets.push(m.offset);
      if (m.offset === 32 && !dropped) return (dropped = true);
      return false;
    };
    cluster.tickAll(20);
    expect(dropped).toBe(true);
    expect(offsets.filter((o) => o === 32)).toHaveLength(2);
    expect(offsets.filter((o) => o === 0)).toHaveLength(1); // never started over
    expect(cluster.node(3).status().snapshotIndex).toBe(31);
  });

  it('after a leader change the transfer starts over with the new leader, never splicing two snapshots', () => {
    const cluster = new TestCluster([1, 2, 3], { snapshotChunkBytesMax: 16 });
    cluster.elect(1);
    cluster.isolate(3);
    for (let i = 0; i < 30; i++) cluster.propose(1, `v${i}`);
    cluster.tickAll(2);
    const at = cluster.node(1).log.appliedIndex;
    expect(cluster.node(2).log.appliedIndex).toBe(at);
    // Same index and term, different bytes: snapshots are encoded by each node at its own moment.
    cluster.node(1).compact(cluster.node(1).createSnapshot(enc.encode(`from-1:${cluster.appliedTexts(1).join(',')}`)), 0);
    cluster.node(2).compact(cluster.node(2).createSnapshot(enc.encode(`from-2:${cluster.appliedTexts(2).join(',')}`)), 0);
    cluster.heal();
    let sentByOne = 0;
    cluster.dropIf = (m) => m.type === 'snapshot' && m.from === 1 && ++sentByOne > 3;
    cluster.tickAll(4); // node 1 notices node 3's stalled pipeline, probes, then sends chunks
    expect(cluster.node(3).incomingSnapshot?.receivedBytes).toBe(48);
    cluster.isolate(1);
    const offsetsFromTwo: number[] = [];
    cluster.dropIf = (m) => {
      if (m.type === 'snapshot' && m.from === 2) offsetsFromTwo.push(m.offset);
      return false;
    };
    cluster.expireLeaderLeases();
    cluster.elect(2);
    cluster.tickAll(3);
    expect(offsetsFromTwo.slice(0, 2)).toEqual([0, 16]); // from the start, not from byte 48
    const installed = cluster.node(3).snapshot;
    expect(installed?.meta.index).toBe(at);
    expect(new TextDecoder().decode(installed?.data).startsWith('from-2:')).toBe(true);
  });

  it('a transfer finishes with the snapshot it started with, even when the leader takes a newer one', () => {
    const cluster = new TestCluster([1, 2, 3], { snapshotChunkBytesMax: 16, snapshotChunkTimeoutTicks: 2 });
    cluster.elect(1);
    cluster.isolate(3);
    const first = fillAndCompact(cluster, 1, 30);
    cluster.heal();
    const sent: Array<{ index: number; offset: number; done: boolean }> = [];
    let hold = false;
    cluster.dropIf = (m) => {
      if (m.type !== 'snapshot') return false;
      if (hold) return true;
      sent.push({ index: m.meta.index, offset: m.offset, done: m.done });
      hold = sent.length === 3; // the transfer stalls after three chunks...
      return false;
    };
    cluster.tickAll(4);
    // ...while the leader applies more and takes a newer snapshot.
    for (let i = 0; i < 5; i++) cluster.propose(1, `late${i}`);
    cluster.node(1).compact(snapshotOf(cluster, 1), 0);
    expect(cluster.node(1).snapshot?.meta.index).toBeGreaterThan(first.meta.index);
    hold = false;
    cluster.tickAll(6);
    // The first transfer resumes and completes with the first snapshot; only then may the follower,
    // which needs entries the leader has since compacted, be sent the newer one.
    const firstTransfer = sent.slice(0, sent.findIndex((chunk) => chunk.done) + 1);
    expect(firstTransfer.length).toBeGreaterThan(3);
    expect(firstTransfer.every((chunk) => chunk.index === first.meta.index)).toBe(true);
    expect(firstTransfer.filter((chunk) => chunk.offset === 0)).toHaveLength(1); // resumed, never restarted
    expect(cluster.node(3).log.commitIndex).toBe(cluster.node(1).log.commitIndex);
  });

  it('a chunk past the announced size is refused and the transfer starts over', () => {
    const cluster = new TestCluster([1, 2, 3]);
    const follower = cluster.node(3);
    const meta = { index: 10, term: 1, membership: { voters: [1, 2, 3], learners: [] } };
    const chunk = (offset: number, bytes: number, done: boolean) =>
      ({ type: 'snapshot', from: 1, to: 3, term: 1, meta, offset, totalBytes: 8, chunk: new Uint8Array(bytes), done }) as const;
    follower.step(chunk(0, 6, false));
    follower.step(chunk(6, 6, false));
    expect(follower.incomingSnapshot).toBeNull();
    const replies = follower.ready().messages.filter((m) => m.type === 'snapshot-response');
    expect(replies.at(-1)).toMatchObject({ installed: false, nextOffset: 0 });
  });

  it('a restarted node recovers from its snapshot plus the remaining log', () => {
    const cluster = new TestCluster([1]);
    cluster.elect(1);
    const snapshot = fillAndCompact(cluster, 1, 10);
    cluster.propose(1, 'tail');
    const disk = cluster.disks.get(1)!;
    const node = cluster.start(1, {
      hardState: disk.hardState,
      snapshot,
      entries: disk.entries.filter((e) => e.index > snapshot.meta.index),
      membership: snapshot.meta.membership,
    });
    expect(node.status()).toMatchObject({ snapshotIndex: 11, firstIndex: 12, lastIndex: 12, commitIndex: 12 });
  });
});
