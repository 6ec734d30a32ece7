/**
 * Nodes apply the same log, so with one snapshot policy they would all snapshot at once and stall
 * commits together. Each node's first cycle waits for a share more (snapshotStagger), and the
 * offset stays: node i's snapshots come (1 + stagger) thresholds in, then one threshold apart.
 * Real workers, channel links, fast timing; entries are counted, one SET per entry.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type NodeId, type SnapshotTakenEvent } from '../../src/index.js';
import { snapshotStagger } from '../../src/runtime/snapshot_runner.js';

const ENTRIES_THRESHOLD = 200;
const WRITES = 900;

let cluster: Cluster;
const taken: SnapshotTakenEvent[] = [];

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 3,
    seed: 3,
    fsync: 'never',
    logLevel: 'error',
    snapshotPolicy: { entriesThreshold: ENTRIES_THRESHOLD, bytesThreshold: 1 << 30, retainEntries: 10 },
  });
  cluster.on('snapshot-taken', (event) => void taken.push(event));
});

afterAll(async () => {
  await cluster?.stop();
});

describe('snapshot cycles are staggered across nodes', () => {
  it('node i first snapshots after (1 + stagger) thresholds, then every threshold', async () => {
    expect([1, 2, 3].map(snapshotStagger)).toEqual([0, 0.2, 0.4]);
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    const client = new Redis(cluster.endpoints(leader).redis, { maxRetriesPerRequest: 0, enableReadyCheck: false, commandTimeout: 5_000 });
    try {
      for (let i = 0; i < WRITES; i++) expect(await client.set(`k${i % 50}`, `v${i}`)).toBe('OK'); // one entry each
    } finally {
      client.disconnect();
    }
    const ids: NodeId[] = [1, 2, 3];
    // Node 3's second cycle is due at (1.4 + 1) thresholds: 480 of the ~900 entries.
    await cluster.waitFor(() => ids.every((id) => taken.filter((e) => e.node === id).length >= 2), { timeoutMs: 10_000 });
    for (const id of ids) {
      const [first, second] = taken.filter((e) => e.node === id).map((e) => e.index);
      expect(first).toBeGreaterThanOrEqual(ENTRIES_THRESHOLD * (1 + snapshotStagger(id)));
      expect(second! - first!).toBeGreaterThanOrEqual(ENTRIES_THRESHOLD);
    }
  });
});
