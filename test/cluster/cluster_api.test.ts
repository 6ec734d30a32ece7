/**
 * The Cluster API's contract with its user: clear errors for bad arguments, events, and a stop()
 * that leaves nothing behind (no worker, no bound port, no temp dir).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, startCluster, type Cluster } from '../../src/index.js';

const SEED = 11;

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

function portOf(url: string | null): number {
  return Number(new URL(url ?? 'x://none:0').port);
}

describe('startCluster argument checks', () => {
  it.each([
    [{ nodes: 0 }, /nodes must be an integer from 1 to 9/],
    [{ nodes: 10 }, /nodes must be an integer from 1 to 9/],
    [{ nodes: 3, transport: 'udp' }, /transport must be 'channel' or 'tcp'/],
    [{ nodes: 3, timing: 'slow' }, /timing must be 'fast' or 'standard'/],
    [{ nodes: 3, fsync: 'sometimes' }, /fsync must be/],
    [{ nodes: 3, logLevel: 'loud' }, /logLevel must be/],
    [{ nodes: 3, bogus: true, datadir: '/tmp/x' }, /unknown startCluster options bogus, datadir \(known: nodes, transport, dataDir,/],
  ])('refuses %j with a ClusterError', async (options, message) => {
    const attempt = startCluster(options as never);
    await expect(attempt).rejects.toBeInstanceOf(ClusterError);
    await expect(attempt).rejects.toThrow(message);
  });
});

describe.each(['channel', 'tcp'] as const)('a 3-node cluster over %s', (transport) => {
  let cluster: Cluster;

  beforeAll(async () => {
    console.log(`cluster_api seed=${SEED} transport=${transport}`);
    cluster = await startCluster({ nodes: 3, transport, seed: SEED, logLevel: 'silent' });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('elects exactly one leader, reported with URLs for every node', async () => {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    const statuses = await cluster.status();
    expect(statuses.filter((s) => s.role === 'leader').map((s) => s.id)).toEqual([leader]);
    for (const status of statuses) {
      expect(status.up).toBe(true);
      expect(status.endpoints.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(status.endpoints.peer).toEqual(transport === 'tcp' ? expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/) : null);
    }
  });

  it('refuses unknown nodes and verbs that do not fit the node state', async () => {
    await expect(cluster.crash(7)).rejects.toThrow(/unknown node 7; nodes are 1, 2, 3/);
    await expect(cluster.restart(1)).rejects.toThrow(/node 1 is already up/);
    await expect(cluster.resume(1)).rejects.toThrow(/node 1 is not paused/);
    expect(() => cluster.link(1, 1)).toThrow(ClusterError);
    await expect(cluster.link(1, 2).set({ lossRate: 2 })).rejects.toThrow(/lossRate/);
    await expect(cluster.link(1, 3).set({ delayMs: 3_000_000_000 })).rejects.toThrow('delayMs must be at most 3600000 ms (one hour)');
    // The REPL's words are not the settings' names: a misspelt setting must not silently do nothing.
    await expect(cluster.link(1, 2).set({ delay: 50, loss: 0.1 } as never)).rejects.toThrow(
      /unknown link settings delay, loss \(known: delayMs, jitterMs, lossRate, duplicateRate, reorder\)/,
    );
    await expect(cluster.link(1, 2).set('reset' as never)).rejects.toThrow(/link settings must be an object/);
    await expect(cluster.partition([[1, 2], [2, 3]])).rejects.toThrow(/more than one partition group/);
    await expect(cluster.waitFor(() => false, { timeoutMs: 50 })).rejects.toThrow(/timed out after 50 ms/);
  });

  it('reports a crash and a restart as events, and refuses to crash a node that is down', async () => {
    const seen: string[] = [];
    const offCrash = cluster.on('node-crashed', (e) => seen.push(`crashed ${e.node}`));
    const offRestart = cluster.on('node-restarted', (e) => seen.push(`restarted ${e.node}`));
    await cluster.crash(3);
    await expect(cluster.crash(3)).rejects.toThrow(/cannot crash node 3: it is down/);
    await expect(cluster.pause(3)).rejects.toThrow(ClusterError);
    expect((await cluster.status()).find((s) => s.id === 3)?.up).toBe(false);
    await cluster.restart(3);
    offCrash();
    offRestart();
    expect(seen).toEqual(['crashed 3', 'restarted 3']);
    await cluster.waitFor((s) => s.every((n) => n.up && n.leader !== 0), { timeoutMs: 10_000 });
  });

  it('hands out a KvClient that finds the leader and follows a failover', async () => {
    const client = cluster.client({ timeoutMs: 5_000 });
    try {
      expect(await client.set('greeting', 'hello')).toBe(true);
      expect(await client.get('greeting')).toBe('hello');
      const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
      await cluster.crash(leader);
      expect(await client.set('greeting', 'again')).toBe(true);
      expect(await client.get('greeting')).toBe('again');
      await cluster.restart(leader);
    } finally {
      await client.close();
    }
  });

  it('a paused leader is replaced; resumed, it steps down and catches up', async () => {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    await cluster.pause(leader);
    expect((await cluster.status()).find((s) => s.id === leader)?.paused).toBe(true);
    const next = await cluster.waitForLeader({ timeoutMs: 10_000, exclude: [leader] });
    expect(next).not.toBe(leader);
    await cluster.resume(leader);
    const statuses = await cluster.waitFor(
      (s) => s.every((n) => n.up && !n.paused && n.leader === next && n.appliedIndex === s.find((l) => l.id === next)?.commitIndex),
      { timeoutMs: 10_000 },
    );
    expect(statuses.find((s) => s.id === leader)?.role).toBe('follower');
  });

  it('pushes link settings to the workers: a follower behind lossy links falls behind, then catches up once they are reset', async () => {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    const follower = cluster.nodeIds.find((id) => id !== leader) ?? 0;
    const others = cluster.nodeIds.filter((id) => id !== follower);
    await Promise.all(others.map((id) => cluster.link(follower, id).set({ lossRate: 1 })));
    await cluster.waitFor((s) => s.find((n) => n.id === follower)?.role === 'pre-candidate', { timeoutMs: 5_000 });
    await Promise.all(others.map((id) => cluster.link(follower, id).reset())); // lossRate 1 no more: it must catch up
    await cluster.waitFor(
      (s) => s.find((n) => n.id === follower)?.appliedIndex === s.find((n) => n.id === leader)?.commitIndex && s.every((n) => n.leader !== 0),
      { timeoutMs: 10_000 },
    );
  });

  it('stop() leaves no worker, no bound port and no temp dir', async () => {
    const ports = cluster.nodeIds.flatMap((id) => {
      const endpoints = cluster.endpoints(id);
      return [portOf(endpoints.redis), portOf(endpoints.peer)].filter((port) => port > 0);
    });
    const dataDir = cluster.dataDir;
    expect(existsSync(dataDir)).toBe(true);
    await cluster.stop();
    expect(existsSync(dataDir)).toBe(false);
    for (const port of ports) expect(await canBind(port)).toBe(true);
    await expect(cluster.status()).rejects.toThrow(/the cluster is stopped/);
    await cluster.stop(); // idempotent
  });
});
