/**
 * What a restarted emulator node keeps and reports: its ports (from a block below the kernel's
 * ephemeral range, so no outgoing connection can take them while it is down), a clear refusal when
 * another socket holds one of them anyway (the rest of the cluster serving on), and a recovery
 * time measured from its own worker's start.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, startCluster, type Cluster, type NodeEndpoints, type NodeId } from '../../src/index.js';
import { PORT_BLOCK_FLOOR } from '../../src/cluster/port_block.js';
import { Clients } from './helpers.js';
import { holdPort, releasePort } from '../support/port_squatter.js';

const SEED = 41;
const HOST = '127.0.0.1';
/** How long the cluster has been up when the recovery check restarts a node. */
const CLUSTER_AGE_MIN_MS = 2_000;

function portOf(url: string | null): number {
  return Number(new URL(url ?? 'x://none:0').port);
}

function endpointPorts(endpoints: NodeEndpoints): Record<'RESP' | 'HTTP' | 'peer', number> {
  return { RESP: portOf(endpoints.redis), HTTP: portOf(endpoints.http), peer: portOf(endpoints.peer) };
}

function ephemeralLow(): number {
  return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
}

describe('restarting a node (3 nodes, tcp)', () => {
  let cluster: Cluster;
  let clients: Clients;
  let startedAtMs: number;

  beforeAll(async () => {
    console.log(`restart seed=${SEED}`);
    startedAtMs = performance.now();
    cluster = await startCluster({ nodes: 3, transport: 'tcp', seed: SEED, logLevel: 'silent' });
    clients = new Clients(cluster);
  });
  afterAll(async () => {
    clients?.close();
    await cluster?.stop();
  });

  async function aFollower(): Promise<NodeId> {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    return cluster.nodeIds.find((id) => id !== leader) as NodeId;
  }

  it('reports the recovery of the restarted worker, not the age of the process', async () => {
    await clients.set('before', 'restart');
    const ageMs = CLUSTER_AGE_MIN_MS - (performance.now() - startedAtMs);
    if (ageMs > 0) await new Promise((resolve) => setTimeout(resolve, ageMs));
    const node = await aFollower();
    await cluster.crash(node);
    const restartAtMs = performance.now();
    await cluster.restart(node);
    const restartMs = performance.now() - restartAtMs;
    const clusterAgeMs = performance.now() - startedAtMs;
    const recoveryMs = (await cluster.status()).find((s) => s.id === node)?.recoveryMs ?? -1;
    console.log(`restart: node ${node} recovered in ${recoveryMs} ms; restart() took ${restartMs.toFixed(0)} ms; cluster up ${clusterAgeMs.toFixed(0)} ms`);
    expect(recoveryMs).toBeGreaterThan(0);
    // Recovery happens inside restart(): from the new worker's start to its ready report. Both
    // bounds hold however slow a busy host makes the restart; a recovery counted from the
    // process's start would exceed both.
    expect(recoveryMs).toBeLessThanOrEqual(Math.ceil(restartMs));
    expect(recoveryMs).toBeLessThan(clusterAgeMs - CLUSTER_AGE_MIN_MS / 2);
  });

  it('gives every node RESP, HTTP and peer ports below the ephemeral range, kept across restarts', async () => {
    const before = new Map(cluster.nodeIds.map((id) => [id, cluster.endpoints(id)]));
    const ports = [...before.values()].flatMap((endpoints) => Object.values(endpointPorts(endpoints)));
    expect(new Set(ports).size).toBe(9);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(PORT_BLOCK_FLOOR);
      expect(port).toBeLessThan(ephemeralLow());
    }
    const node = await aFollower();
    await cluster.crash(node);
    await cluster.restart(node);
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    await cluster.crash(leader);
    await cluster.restart(leader);
    for (const id of cluster.nodeIds) expect(cluster.endpoints(id)).toEqual(before.get(id));
    for (const status of await cluster.status()) expect(status.endpoints).toEqual(before.get(status.id));
    await clients.set('after', 'restarts');
  });

  it.each(['RESP', 'HTTP', 'peer'] as const)('refuses to restart a node whose %s port another socket holds; the others keep serving', async (kind) => {
    const node = await aFollower();
    const port = endpointPorts(cluster.endpoints(node))[kind];
    await cluster.crash(node);
    const squatter = await holdPort(port);
    try {
      const attempt = cluster.restart(node);
      await expect(attempt).rejects.toBeInstanceOf(ClusterError);
      await expect(attempt).rejects.toThrow(`node ${node} cannot restart: its ${kind} port ${HOST}:${port} is unavailable (EADDRINUSE: another socket holds it)`);
      expect((await cluster.status()).find((s) => s.id === node)?.up).toBe(false);
      await clients.set(`while-${kind}-taken`, 'served');
      expect(await clients.get(`while-${kind}-taken`)).toBe('served');
    } finally {
      await releasePort(squatter);
    }
    await cluster.restart(node);
    await cluster.waitFor((s) => s.every((n) => n.up && n.appliedIndex === s.find((l) => l.role === 'leader')?.commitIndex), { timeoutMs: 10_000 });
    const direct = clients.for(node);
    await direct.call('READONLY');
    expect(await direct.get(`while-${kind}-taken`)).toBe('served');
  });

  it('refuses to restart a node whose data directory was removed while it was down (it would rejoin blank)', async () => {
    const node = await aFollower();
    await cluster.crash(node);
    rmSync(join(cluster.dataDir, `node-${node}`), { recursive: true, force: true });
    const attempt = cluster.restart(node);
    await expect(attempt).rejects.toThrow(new RegExp(`node-${node}\\.sqlite is missing, though node ${node} ran before; refusing to start node ${node} blank`));
    expect((await cluster.status()).find((s) => s.id === node)?.up).toBe(false);
    await clients.set('while-one-is-lost', 'served');
    expect(await clients.get('while-one-is-lost')).toBe('served');
  });
});
