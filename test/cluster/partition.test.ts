/**
 * Partitions: a minority cannot commit while the majority keeps committing, and after healing
 * every log is the same; a node cut off for a while probes with pre-votes that leave its term as it
 * was, and healed, it catches up. Writes go through RESP ports.
 *
 * That the healed node also costs no election (the leader keeps its place and term) is checked on
 * virtual time (healed_node_leadership.test.ts): here, on a busy host, a worker thread can wait
 * longer than the fast profile's 150 ms election timeout for a core, and the others then elect
 * anew, as Raft should. What is checked here holds under any load: nothing reaches a cut-off node,
 * so only a campaign of its own could move its term.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../src/index.js';
import { Clients, logsConverged } from './helpers.js';

const SEED = 31;

describe.each(['channel', 'tcp'] as const)('a minority partition over %s (5 nodes)', (transport) => {
  let cluster: Cluster;
  let clients: Clients;

  beforeAll(async () => {
    console.log(`partition seed=${SEED} transport=${transport}`);
    cluster = await startCluster({ nodes: 5, transport, seed: SEED, logLevel: 'silent' });
    clients = new Clients(cluster);
  });
  afterAll(async () => {
    clients?.close();
    await cluster?.stop();
  });

  it('cannot commit on the minority side; the majority keeps committing; after heal all logs are equal', async () => {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    await clients.set('before', 'all');
    const minority = [leader, cluster.nodeIds.find((id) => id !== leader) ?? 0];
    const majority = cluster.nodeIds.filter((id) => !minority.includes(id));
    await cluster.partition([minority, majority]);

    // The old leader is cut off from the majority: its write is never acknowledged.
    expect(await clients.trySet(leader, 'minority-write', 'lost', 1_000)).not.toBe('OK');

    const newLeader = await cluster.waitForLeader({ timeoutMs: 10_000, exclude: minority });
    expect(majority).toContain(newLeader);
    for (let i = 0; i < 20; i++) await clients.set(`majority-${i}`, `m${i}`);

    await cluster.heal();
    await clients.set('after-heal', 'all');
    const statuses = await cluster.waitFor(logsConverged(), { timeoutMs: 10_000 });
    expect(new Set(statuses.map((s) => s.lastIndex)).size).toBe(1);
    expect(await clients.get('minority-write')).toBeNull();
    expect(await clients.get('majority-19')).toBe('m19');
    // Every node's own copy holds the majority's writes and not the minority's.
    for (const id of cluster.nodeIds) {
      const direct = clients.for(id);
      await direct.call('READONLY');
      expect(await direct.mget('before', 'majority-0', 'majority-19', 'after-heal', 'minority-write')).toEqual(['all', 'm0', 'm19', 'all', null]);
    }
  });
});

describe('an isolated node, healed (channel, 5 nodes)', () => {
  let cluster: Cluster;
  let clients: Clients;

  beforeAll(async () => {
    console.log(`prevote seed=${SEED + 1}`);
    cluster = await startCluster({ nodes: 5, seed: SEED + 1, logLevel: 'silent' });
    clients = new Clients(cluster);
  });
  afterAll(async () => {
    clients?.close();
    await cluster?.stop();
  });

  it('probes with pre-votes that leave its term as it was, and catches up once healed', async () => {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    const follower = cluster.nodeIds.find((id) => id !== leader) ?? 0;
    const termOf = async (id: number): Promise<number> => (await cluster.status()).find((s) => s.id === id)?.term ?? -1;

    await cluster.isolate(follower);
    // Cut off, the follower's election timer fires and it probes with pre-votes that nobody can grant.
    await cluster.waitFor((s) => s.find((n) => n.id === follower)?.role === 'pre-candidate', { timeoutMs: 5_000 });
    const termCutOff = await termOf(follower);
    for (let i = 0; i < 10; i++) await clients.set(`while-isolated-${i}`, `v${i}`);
    expect(await termOf(follower)).toBe(termCutOff);

    await cluster.heal();
    await clients.set('after-heal', 'x');
    await cluster.waitFor(logsConverged(), { timeoutMs: 10_000 });
    const direct = clients.for(follower);
    await direct.call('READONLY');
    expect(await direct.mget('while-isolated-0', 'while-isolated-9', 'after-heal')).toEqual(['v0', 'v9', 'x']);
  });
});
