/**
 * One read whose answer would pass ANSWER_BYTES_MAX (an MGET naming a big key many times) gets an
 * error, on the leader and through a follower, and the node goes on answering. Before, the node
 * built the whole answer: 200 names of a 60 MiB key asked for 12 GB, and the leader stopped
 * answering forwarded reads and status while it tried.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_BYTES_MAX } from '../../src/kv/index.js';
import { startCluster, type Cluster, type NodeId } from '../../src/index.js';

const VALUE_BYTES = 1024 * 1024;

describe('a read whose answer is too large', () => {
  let cluster: Cluster;
  let leader: NodeId;
  const clients: Redis[] = [];

  const connect = (node: NodeId): Redis => {
    const client = new Redis(cluster.endpoints(node).redis, { maxRetriesPerRequest: 0, commandTimeout: 20_000, enableReadyCheck: false });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, transport: 'channel', fsync: 'never', seed: 9, logLevel: 'silent' });
    leader = await cluster.waitForLeader({ timeoutMs: 20_000 });
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await cluster?.stop();
  });

  it('is refused with an error naming its size, on the leader and through a follower; the node goes on answering', async () => {
    const follower = cluster.nodeIds.find((id) => id !== leader) as NodeId;
    expect(await connect(leader).set('big', Buffer.alloc(VALUE_BYTES, 0x62))).toBe('OK');
    const names = Math.floor(ANSWER_BYTES_MAX / VALUE_BYTES) + 1;
    for (const node of [leader, follower]) {
      const client = connect(node);
      const refusal = await client.mgetBuffer(...Array<string>(names).fill('big')).then(
        () => 'answered',
        (error: Error) => error.message,
      );
      expect(refusal).toMatch(new RegExp(`^ERR the answer would be \\d+ bytes, over the limit of ${ANSWER_BYTES_MAX} for one command`));
      const fitting = await client.mgetBuffer('big', 'big');
      expect(fitting.map((value) => value?.length)).toEqual([VALUE_BYTES, VALUE_BYTES]);
      expect(await client.ping()).toBe('PONG');
    }
  }, 60_000);
});
