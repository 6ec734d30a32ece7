/**
 * Snapshots in the emulator (real workers, channel links, fast timing: heartbeat 50 ms, election
 * 150–300 ms). Small thresholds make every node snapshot many times; the full-size scenario
 * (100,000 writes, >= 50 MB) is bench/snapshot_bench.ts. Crash points are drawn from a seeded
 * Prng; the seed is printed, and KV_SIM_TEST_SEED replays a run.
 *
 * Leader changes are not failures here: on a busy host a worker thread can wait longer than the
 * 150 ms election timeout for a core, and a new election is then Raft doing its job. That a
 * catching-up follower costs no election is checked on virtual time (install_snapshot_leadership).
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type ClusterNodeStatus, type NodeId } from '../../src/index.js';
import { Prng } from '../../src/lib/prng.js';
import { SqliteStorage } from '../../src/storage/sqlite_storage.js';
import { Clients } from '../cluster/helpers.js';

const SEED = Number(process.env['KV_SIM_TEST_SEED'] ?? Date.now() % 1_000_000);
const VALUE = 'v'.repeat(400);
// Client pipelines arrive as few, large entries: the byte threshold is what fires here.
const POLICY = { entriesThreshold: 1_000_000, bytesThreshold: 256 * 1024, retainEntries: 2 };

/** Writes `count` keys through the leader, 100 in flight at a time; returns what was acknowledged. */
async function writeKeys(clients: Clients, prefix: string, count: number, acked: Map<string, string>): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    const keys = Array.from({ length: Math.min(100, count - start) }, (_, i) => `${prefix}-${start + i}`);
    await clients.viaLeader(10_000, `SET ${prefix} batch ${start}`, async (client) => {
      const replies = await Promise.all(keys.map((key) => client.set(key, `${VALUE}${key}`)));
      if (replies.some((reply) => reply !== 'OK')) throw new Error('a SET was refused');
    });
    for (const key of keys) acked.set(key, `${VALUE}${key}`);
  }
}

/** Keys whose value differs from the acknowledged one, read on `client` (MGET batches). */
async function wrongKeys(client: Redis, acked: Map<string, string>): Promise<string[]> {
  const keys = [...acked.keys()];
  const wrong: string[] = [];
  for (let i = 0; i < keys.length; i += 200) {
    const batch = keys.slice(i, i + 200);
    const values = await client.mget(...batch);
    batch.forEach((key, j) => {
      if (values[j] !== acked.get(key)) wrong.push(key);
    });
  }
  return wrong;
}

function staleReader(cluster: Cluster, node: NodeId): Promise<Redis> {
  const client = new Redis(cluster.endpoints(node).redis, { maxRetriesPerRequest: 0, enableReadyCheck: false, commandTimeout: 5_000 });
  return client.readonly().then(() => client);
}

async function follower(cluster: Cluster): Promise<{ leader: NodeId; follower: NodeId }> {
  const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
  return { leader, follower: cluster.nodeIds.find((id) => id !== leader) as NodeId };
}

/** The up node that leads the highest term, if any (what cluster.waitForLeader waits for). */
function leading(statuses: ClusterNodeStatus[]): ClusterNodeStatus | undefined {
  const up = statuses.filter((s) => s.up);
  const term = Math.max(...up.map((s) => s.term));
  return up.find((s) => s.role === 'leader' && s.term === term);
}

/** Every node up and every link plain again, so a test that failed midway leaves the next one a whole cluster. */
async function restoreCluster(cluster: Cluster): Promise<void> {
  for (const a of cluster.nodeIds) for (const b of cluster.nodeIds) if (a < b) await cluster.link(a, b).set({ delayMs: 0 });
  for (const status of await cluster.status()) if (!status.up) await cluster.restart(status.id);
}

describe('snapshots in the emulator (3 nodes, channel, fast timing)', () => {
  let cluster: Cluster;
  let clients: Clients;
  const acked = new Map<string, string>();

  beforeAll(async () => {
    console.log(`cluster snapshot seed=${SEED} (replay: KV_SIM_TEST_SEED=${SEED} npx vitest run test/snapshot)`);
    cluster = await startCluster({ nodes: 3, seed: SEED, fsync: 'never', logLevel: 'error', snapshotPolicy: POLICY });
    clients = new Clients(cluster);
  });
  afterEach(async () => {
    if (cluster !== undefined) await restoreCluster(cluster);
  });
  afterAll(async () => {
    clients?.close();
    await cluster?.stop();
  });

  it('compacts the log on every node, in memory and on disk, under a write load', async () => {
    await writeKeys(clients, 'a', 3_000, acked); // ~1.3 MB: several snapshots on every node
    const statuses = await cluster.waitFor((s) => s.every((n) => n.up && n.snapshotIndex > 0 && n.snapshotIndex >= n.lastIndex / 2), { timeoutMs: 20_000 });
    for (const status of statuses) expect(status.firstIndex).toBeGreaterThan(status.lastIndex / 2);
    // On disk: the rows of a crashed follower's database (the lock is the terminated worker's).
    const { follower: node } = await follower(cluster);
    await cluster.crash(node);
    const storage = new SqliteStorage({ dataDir: `${cluster.dataDir}/node-${node}`, nodeId: node, breakStaleLock: true });
    const stored = storage.load();
    const rows = storage.rowCounts();
    storage.close();
    const written = statuses.find((n) => n.id === node)?.lastIndex ?? 0;
    expect(stored.snapshot?.meta.index).toBeGreaterThanOrEqual(written / 2);
    expect(rows.entries).toBeLessThan(written / 2);
    await cluster.restart(node);
  });

  it('a cluster restarted after compaction recovers from snapshot + log and serves every acknowledged write', async () => {
    await Promise.all(cluster.nodeIds.map((id) => cluster.crash(id)));
    await Promise.all(cluster.nodeIds.map((id) => cluster.restart(id)));
    const statuses = await cluster.status();
    for (const status of statuses) {
      expect(status.snapshotIndex).toBeGreaterThan(0);
      expect(status.recoveryMs).toBeGreaterThan(0);
    }
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    const reader = await staleReader(cluster, leader);
    await cluster.waitFor((s) => s.every((n) => n.appliedIndex === n.commitIndex && n.commitIndex >= statuses[0]!.snapshotIndex), { timeoutMs: 10_000 });
    expect(await clients.viaLeader(10_000, 'MGET', async () => wrongKeys(reader, acked))).toEqual([]);
    reader.disconnect();
  });

  it('a follower that was down while the log was compacted catches up by InstallSnapshot while the cluster keeps serving', async () => {
    const { follower: lagging } = await follower(cluster);
    const behind = (await cluster.status()).find((s) => s.id === lagging)?.lastIndex ?? 0;
    await cluster.crash(lagging);
    await writeKeys(clients, 'b', 3_000, acked);
    // Whoever leads now has compacted away the entries the lagging node needs next.
    const compacted = leading(await cluster.waitFor((s) => leading(s) !== undefined, { timeoutMs: 10_000 })) as ClusterNodeStatus;
    expect(compacted.firstIndex).toBeGreaterThan(behind + 1);
    const installs: number[] = [];
    const leaderChanges: string[] = [];
    const offInstall = cluster.on('snapshot-installed', (e) => {
      if (e.node === lagging) installs.push(e.index);
    });
    const offLeader = cluster.on('leader-changed', (e) => {
      if (e.leader !== compacted.id || e.term !== compacted.term) leaderChanges.push(`node ${e.node}: leader ${e.leader} term ${e.term}`);
    });
    await cluster.restart(lagging);
    // The cluster keeps serving while the follower catches up.
    await writeKeys(clients, 'c', 500, acked);
    const caughtUp = await cluster.waitFor((s) => {
      const me = s.find((n) => n.id === lagging);
      const head = leading(s);
      return me !== undefined && head !== undefined && me.appliedIndex >= head.commitIndex - 5 && me.snapshotIndex >= compacted.snapshotIndex;
    }, { timeoutMs: 30_000 });
    offInstall();
    offLeader();
    expect(installs.length).toBeGreaterThan(0);
    if (leaderChanges.length > 0) {
      const stalls = caughtUp.map((n) => `node ${n.id} ${n.eventLoopStallMaxMs} ms`).join(', ');
      console.log(`leadership moved during the catch-up (${leaderChanges.join('; ')}); longest event-loop stalls since start: ${stalls}`);
    }
    const reader = await staleReader(cluster, lagging);
    expect(await wrongKeys(reader, acked)).toEqual([]);
    reader.disconnect();
  });

  it('a follower crashed during InstallSnapshot restarts and catches up', async () => {
    const random = new Prng(SEED);
    const { follower: lagging } = await follower(cluster);
    await cluster.crash(lagging);
    await writeKeys(clients, 'd', 6_000, acked); // ~3 MB of state: a transfer of several chunks
    // Slow the (current) leader's link so the transfer spans the crash points.
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    await cluster.link(leader, lagging).set({ delayMs: 20 });
    let installedBeforeCrash = 0;
    const offInstall = cluster.on('snapshot-installed', (e) => {
      if (e.node === lagging) installedBeforeCrash++;
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      await cluster.restart(lagging);
      const crashAfterMs = random.int(20, 250);
      await new Promise((resolve) => setTimeout(resolve, crashAfterMs)); // a seeded crash point, not a wait for a condition
      await cluster.crash(lagging);
    }
    offInstall();
    await cluster.link(leader, lagging).set({ delayMs: 0 });
    await cluster.restart(lagging);
    const statuses = await cluster.waitFor((s) => {
      const me = s.find((n) => n.id === lagging);
      const head = leading(s);
      return me !== undefined && head !== undefined && me.up && me.appliedIndex >= head.commitIndex - 5 && me.snapshotIndex > 0;
    }, { timeoutMs: 30_000 });
    console.log(`crash-during-install: ${3 - Math.min(3, installedBeforeCrash)} of 3 crashes came before the install completed; follower at ${JSON.stringify(statuses.find((n) => n.id === lagging)?.appliedIndex)}`);
    const reader = await staleReader(cluster, lagging);
    expect(await wrongKeys(reader, acked)).toEqual([]);
    reader.disconnect();
  });
});
