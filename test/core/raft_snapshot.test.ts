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

  it('a transfer interrupted by a leader change resumes with the next leader when the snapshot is the same', () => {
    const cluster = new TestCluster([1, 2, 3], { snapshotChunkBytesMax: 16 });
    cluster.elect(1);
    cluster.isolate(3);
    for (let i = 0; i < 30; i++) cluster.propose(1, `v${i}`);
    // Both 1 and 2 snapshot the same state at the same index (deterministic state machines).
    cluster.tickAll(2);
    const at = cluster.node(1).log.appliedIndex;
    expect(cluster.node(2).log.appliedIndex).toBe(at);
    cluster.node(1).compact(snapshotOf(cluster, 1), 0);
    cluster.node(2).compact(snapshotOf(cluster, 2), 0);
    cluster.heal();
    let sentByOne = 0;
    cluster.dropIf = (m) => m.type === 'snapshot' && m.from === 1 && ++sentByOne > 3;
    cluster.tickAll(4); // node 1 notices node 3's stalled pipeline, probes, then sends chunks
    const received = cluster.node(3).incomingSnapshot?.receivedBytes ?? 0;
    expect(received).toBe(48);
    // Node 1 fails; node 2 takes over and continues from byte 48.
    cluster.isolate(1);
    const offsetsFromTwo: number[] = [];
    cluster.dropIf = (m) => {
      if (m.type === 'snapshot' && m.from === 2) offsetsFromTwo.push(m.offset);
      return false;
    };
    cluster.expireLeaderLeases();
    cluster.elect(2);
    cluster.tickAll(3);
    expect(offsetsFromTwo[0]).toBe(0); // the new leader starts at 0 and is told where to resume
    expect(offsetsFromTwo[1]).toBe(48);
    expect(cluster.node(3).status().snapshotIndex).toBe(at);
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
