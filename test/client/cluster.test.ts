/**
 * KvClient against a real 3-node emulated cluster (worker threads, Raft, SQLite, fast timing):
 * writes survive a leader crash without duplicates, and reads after a leader change or from an
 * isolated old leader see the latest acknowledged write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvClient } from '../../src/client/index.js';
import { startCluster, type Cluster, type NodeId } from '../../src/index.js';
import { DropProxy } from './drop_proxy.js';

const SEED = 7;
const DEADLINE_MS = 10_000;

let cluster: Cluster;
const closers: Array<() => Promise<void>> = [];

function urlOf(node: NodeId): string {
  return cluster.endpoints(node).redis;
}

function clientFor(nodes: string[], attemptTimeoutMs?: number): KvClient {
  const client = new KvClient({ nodes, timeoutMs: DEADLINE_MS, ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }) });
  closers.push(() => client.close());
  return client;
}

beforeAll(async () => {
  console.log(`client cluster test seed=${SEED} (replay: same seed, 3 nodes, fast timing)`);
  cluster = await startCluster({ nodes: 3, seed: SEED, timing: 'fast', logLevel: 'silent' });
  await cluster.waitForLeader({ timeoutMs: DEADLINE_MS });
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await cluster?.stop();
});

/** Restarts every crashed node and heals links, so each test starts from a whole cluster. */
async function wholeCluster(): Promise<NodeId> {
  await cluster.heal();
  for (const status of await cluster.status()) if (!status.up) await cluster.restart(status.id);
  return cluster.waitForLeader({ timeoutMs: DEADLINE_MS });
}

describe('KvClient on a 3-node cluster', () => {
  it('an APPEND whose reply was dropped, retried after the leader crashed, appears once', async () => {
    const leader = await wholeCluster();
    const others = cluster.nodeIds.filter((id) => id !== leader);
    const { hostname, port } = new URL(urlOf(leader));
    const proxy = await DropProxy.start({ host: hostname, port: Number(port) });
    closers.push(() => proxy.close());
    // The client reaches the leader only through the proxy, which swallows its first replies.
    const client = clientFor([proxy.url, ...others.map(urlOf)], 5_000);
    const observer = clientFor(cluster.nodeIds.map(urlOf));
    await observer.set('dropped', 'start:');

    const append = client.append('dropped', 'x');
    await waitFor(async () => (await observer.get('dropped')) === 'start:x', 'the APPEND to be committed');
    expect(proxy.droppedBytes).toBeGreaterThan(0);
    await cluster.crash(leader);

    expect(await append).toBe('start:x'.length); // the first result, replayed by the session table
    expect(await observer.get('dropped')).toBe('start:x');
  });

  it('concurrent APPENDs across a leader crash: every acknowledged one appears exactly once', async () => {
    const leader = await wholeCluster();
    const client = clientFor(cluster.nodeIds.map(urlOf));
    const tokens = Array.from({ length: 1000 }, (_, i) => `<${i}>`);
    let acknowledged = 0;
    const appends = tokens.map(async (token) => {
      await client.append('stream', token);
      acknowledged++;
    });
    await waitFor(async () => acknowledged >= 50, '50 acknowledged appends');
    await cluster.crash(leader);
    const beforeCrash = acknowledged;
    const crashedAt = performance.now();
    await Promise.all(appends); // every one is acknowledged, before or after the failover
    console.log(`appends acknowledged before the crash: ${beforeCrash}/${tokens.length}; rest within ${(performance.now() - crashedAt).toFixed(0)} ms after it`);
    const value = (await client.get('stream')) ?? '';
    const counts = tokens.map((token) => value.split(token).length - 1);
    expect(counts.filter((count) => count !== 1)).toEqual([]);
    expect(await cluster.leader()).not.toBe(leader);
  });

  it('reads after a leader change see the latest acknowledged write', async () => {
    const leader = await wholeCluster();
    const client = clientFor(cluster.nodeIds.map(urlOf));
    await client.set('latest', 'v1');
    await cluster.crash(leader);
    await client.set('latest', 'v2');
    expect(await client.get('latest')).toBe('v2');
    await cluster.restart(leader);
    // A client that asks the old leader first is redirected; it never sees v1 again.
    const fresh = clientFor([urlOf(leader), ...cluster.nodeIds.filter((id) => id !== leader).map(urlOf)]);
    expect(await fresh.get('latest')).toBe('v2');
  });

  it('a linearizable read never returns a stale value from an isolated old leader', async () => {
    const leader = await wholeCluster();
    const client = clientFor(cluster.nodeIds.map(urlOf));
    await client.set('isolated', 'old');
    await cluster.isolate(leader);
    await client.set('isolated', 'new'); // committed by the majority side once it elects a leader
    const askOldLeaderFirst = clientFor([urlOf(leader), ...cluster.nodeIds.filter((id) => id !== leader).map(urlOf)], 500);
    expect(await askOldLeaderFirst.get('isolated')).toBe('new');
    // A stale read on the isolated node may lag: that is what 'stale' means, and it still answers.
    const staleOnly = clientFor([urlOf(leader)]);
    expect(['old', 'new']).toContain(await staleOnly.get('isolated', { consistency: 'stale' }));
    await cluster.heal();
  });
});

describe('KvClient and a paused leader', () => {
  it('a write sent to a paused leader completes through the new leader, once', async () => {
    const leader = await wholeCluster();
    const client = clientFor(cluster.nodeIds.map(urlOf), 500);
    await client.set('paused', '');
    await cluster.pause(leader);
    try {
      const startedAt = performance.now();
      expect(await client.append('paused', 'p')).toBe(1);
      console.log(`append across a paused leader took ${(performance.now() - startedAt).toFixed(0)} ms`);
    } finally {
      await cluster.resume(leader);
    }
    expect(await client.get('paused')).toBe('p');
  });
});

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
