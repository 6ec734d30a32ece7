/**
 * Durability with fsync on: every acknowledged write survives a crash of the whole cluster, and
 * crashes at many points of a write burst. The crash points are drawn from a seeded Prng; the
 * seed is printed, and KV_SIM_TEST_SEED replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type NodeId } from '../../src/index.js';
import { Prng } from '../../src/lib/prng.js';
import { Clients, logsConverged } from './helpers.js';

const SEED = Number(process.env.KV_SIM_TEST_SEED ?? 41);
const CRASH_POINTS = 20;
const WRITERS = 4;

async function crashAll(cluster: Cluster): Promise<void> {
  const statuses = await cluster.status();
  await Promise.all(statuses.filter((s) => s.up).map((s) => cluster.crash(s.id)));
}

async function restartAll(cluster: Cluster): Promise<void> {
  const statuses = await cluster.status();
  await Promise.all(statuses.filter((s) => !s.up).map((s) => cluster.restart(s.id)));
}

/** Reads every key back through the leader, in MGET batches, and returns the ones that differ. */
async function missing(clients: Clients, acked: Map<string, string>): Promise<string[]> {
  const keys = [...acked.keys()];
  const wrong: string[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const batch = keys.slice(i, i + 100);
    const values = await clients.viaLeader(5_000, 'MGET', (client) => client.mget(...batch));
    batch.forEach((key, j) => {
      if (values[j] !== acked.get(key)) wrong.push(`${key}=${String(values[j])} (acked ${acked.get(key)})`);
    });
  }
  return wrong;
}

describe('durability with fsync always (3 nodes, channel)', () => {
  let cluster: Cluster;
  let clients: Clients;

  beforeAll(async () => {
    console.log(`durability seed=${SEED} (replay: KV_SIM_TEST_SEED=${SEED} npx vitest run test/cluster/durability.test.ts)`);
    cluster = await startCluster({ nodes: 3, seed: SEED, fsync: 'always', logLevel: 'error' });
    clients = new Clients(cluster);
  });
  afterAll(async () => {
    clients?.close();
    await cluster?.stop();
  });

  it('keeps every acknowledged write across a crash and restart of the whole cluster', async () => {
    const acked = new Map<string, string>();
    await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; i < 25; i++) {
        await clients.set(`full-${w}-${i}`, `v${i}`);
        acked.set(`full-${w}-${i}`, `v${i}`);
      }
    }));
    await crashAll(cluster);
    await restartAll(cluster);
    await cluster.waitForLeader({ timeoutMs: 10_000 });
    expect(await missing(clients, acked)).toEqual([]);
  });

  it(`loses no acknowledged write when crashed at ${CRASH_POINTS} points of a write burst`, async () => {
    const random = new Prng(SEED);
    const acked = new Map<string, string>();
    let stopWriting = false;
    let sequence = 0;
    const writer = async (w: number): Promise<void> => {
      while (!stopWriting) {
        const key = `burst-${w}-${sequence++}`;
        // One attempt per key: a write that fails or times out is simply not acknowledged.
        const leader = await cluster.leader();
        if (leader === null) {
          await cluster.waitForLeader({ timeoutMs: 10_000 }).catch(() => {});
          continue;
        }
        const value = `x${sequence}`;
        if ((await clients.trySet(leader, key, value, 1_000)) === 'OK') acked.set(key, value);
        // A refused attempt (node restarting, stepping down) backs off briefly instead of spinning.
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    try {
      for (let point = 0; point < CRASH_POINTS; point++) {
        // Let a seeded number of writes be acknowledged, then crash in the middle of the burst.
        const target = acked.size + random.int(1, 40);
        await cluster.waitFor(() => acked.size >= target, { timeoutMs: 20_000 });
        const everyone = random.chance(0.5);
        const victims: NodeId[] = everyone ? cluster.nodeIds : [(await cluster.leader()) ?? random.pick(cluster.nodeIds)];
        await Promise.all(victims.map((node) => cluster.crash(node).catch(() => {})));
        await restartAll(cluster);
      }
    } finally {
      stopWriting = true;
      await Promise.all(writers);
    }
    console.log(`durability: ${acked.size} writes acknowledged across ${CRASH_POINTS} crash points`);
    await cluster.waitForLeader({ timeoutMs: 10_000 });
    await cluster.waitFor(logsConverged(), { timeoutMs: 10_000 });
    expect(await missing(clients, acked)).toEqual([]);
  });
});
