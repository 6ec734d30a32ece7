/**
 * Requests and answers too large for the cluster, on the leader and through a follower:
 * - a write bigger than one log entry may be (its append would not fit a peer frame) is refused with
 *   -TOOLARGE and leaves the cluster writing. Before, the leader appended it, could never send it,
 *   and every later write waited behind it forever;
 * - an argument larger than any entry is read past without being held (before, a 65 MB value was
 *   held and copied, and the leader missed its heartbeats and was deposed every time);
 * - a read whose answer would pass ANSWER_BYTES_MAX gets an error (before, the node built it whole:
 *   200 names of a 60 MiB key asked for 12 GB, and the leader stopped answering).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type ClusterOptions, type NodeId } from '../../src/index.js';
import { ANSWER_BYTES_MAX } from '../../src/kv/index.js';
import { ENTRY_DATA_BYTES_MAX } from '../../src/transport/codec.js';

const TOO_LARGE = /^TOOLARGE the request's log entry would be (\d+) bytes; one entry carries at most (\d+): split the write$/;

/** A cluster for one describe block: started before its tests, stopped with its clients after them. */
function clusterFor(options: ClusterOptions) {
  const fixture = { cluster: null as unknown as Cluster, leader: 0 as NodeId, follower: 0 as NodeId };
  const clients: Redis[] = [];
  beforeAll(async () => {
    fixture.cluster = await startCluster(options);
    fixture.leader = await fixture.cluster.waitForLeader({ timeoutMs: 20_000 });
    fixture.follower = fixture.cluster.nodeIds.find((id) => id !== fixture.leader) as NodeId;
  }, 30_000);
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await fixture.cluster?.stop();
  });
  const connect = (node: NodeId): Redis => {
    const client = new Redis(fixture.cluster.endpoints(node).redis, { maxRetriesPerRequest: 0, commandTimeout: 20_000, enableReadyCheck: false });
    clients.push(client);
    return client;
  };
  return { fixture, connect };
}

/** The error a command got, or 'answered'. */
const refusalOf = (reply: Promise<unknown>): Promise<string> =>
  reply.then(
    () => 'answered',
    (error: Error) => error.message,
  );

describe.each(['channel', 'tcp'] as const)('a write too large for a log entry, over %s', (transport) => {
  // Standard timing: receiving 64 MiB may hold a node's thread longer than a fast election timeout.
  const { fixture, connect } = clusterFor({ nodes: 3, transport, timing: 'standard', seed: 5, logLevel: 'silent' });

  it('is refused with -TOOLARGE on the leader and through a follower; writes go on, the big value is nowhere', async () => {
    const { cluster, leader, follower } = fixture;
    const value = Buffer.alloc(ENTRY_DATA_BYTES_MAX, 0x61);
    for (const node of [leader, follower]) {
      const client = connect(node);
      const refusal = await refusalOf(client.set('big', value));
      const match = TOO_LARGE.exec(refusal);
      expect(match, refusal).not.toBeNull();
      expect(Number(match?.[1])).toBeGreaterThan(ENTRY_DATA_BYTES_MAX);
      expect(Number(match?.[2])).toBe(ENTRY_DATA_BYTES_MAX);
      expect(await client.set(`after-${node}`, 'small')).toBe('OK');
    }
    const reader = connect(follower);
    expect(await reader.get('big')).toBeNull();
    expect(await reader.mget(`after-${leader}`, `after-${follower}`)).toEqual(['small', 'small']);
    expect(await cluster.waitForLeader({ timeoutMs: 1_000 })).toBe(leader);
  }, 60_000);
});

describe('too large arguments and answers, on fast timing', () => {
  const { fixture, connect } = clusterFor({ nodes: 3, transport: 'channel', timing: 'fast', seed: 6, logLevel: 'silent' });

  it('an argument is read past without being held, refused with -TOOLARGE, and deposes no leader', async () => {
    const { cluster, leader, follower } = fixture;
    const termBefore = (await cluster.status()).find((s) => s.id === leader)?.term;
    const value = Buffer.alloc(ENTRY_DATA_BYTES_MAX + 1, 0x62);
    for (const node of [leader, follower]) {
      const client = connect(node);
      expect(await refusalOf(client.set('huge', value))).toBe(
        `TOOLARGE an argument of ${ENTRY_DATA_BYTES_MAX + 1} bytes is more than one log entry carries (${ENTRY_DATA_BYTES_MAX} bytes): split the write`,
      );
      expect(await client.set(`after-${node}`, 'small')).toBe('OK');
    }
    const after = (await cluster.status()).find((s) => s.id === leader);
    expect(after?.role).toBe('leader');
    expect(after?.term).toBe(termBefore);
  }, 60_000);

  it('a read whose answer would pass ANSWER_BYTES_MAX is refused with an error naming its size; the node goes on answering', async () => {
    const { leader, follower } = fixture;
    const valueBytes = 1024 * 1024;
    expect(await connect(leader).set('big', Buffer.alloc(valueBytes, 0x62))).toBe('OK');
    const names = Math.floor(ANSWER_BYTES_MAX / valueBytes) + 1;
    for (const node of [leader, follower]) {
      const client = connect(node);
      expect(await refusalOf(client.mgetBuffer(...Array<string>(names).fill('big')))).toMatch(
        new RegExp(`^ERR the answer would be \\d+ bytes, over the limit of ${ANSWER_BYTES_MAX} for one command`),
      );
      const fitting = await client.mgetBuffer('big', 'big');
      expect(fitting.map((v) => v?.length)).toEqual([valueBytes, valueBytes]);
      expect(await client.ping()).toBe('PONG');
    }
  }, 60_000);
});
