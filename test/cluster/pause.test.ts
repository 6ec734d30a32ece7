/**
 * A paused node is, to its clients, a stopped process (SIGSTOP): its RESP and HTTP ports take
 * connections but answer nothing until it resumes, and then answer everything. Before, a paused
 * follower forwarded writes to the leader and answered at once, and any paused node answered
 * PING, INFO and /health.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster, type NodeId } from '../../src/index.js';
import { Clients } from './helpers.js';

/**
 * How long requests to a paused node must stay unanswered once the cluster has also committed a
 * later write: unpaused, each is answered in milliseconds (a forwarded write in about 20 ms), so
 * an answer that was coming would have come. Well under the 3 s request timeout of fast timing.
 */
const PENDING_CHECK_MS = 1_000;
const ANSWER_DEADLINE_MS = 10_000;

/** A request's outcome, readable without awaiting it. */
class Tracked<T> {
  outcome: { value: T } | { error: string } | null = null;
  readonly done: Promise<void>;

  constructor(promise: Promise<T>) {
    this.done = promise.then(
      (value) => void (this.outcome = { value }),
      (error: unknown) => void (this.outcome = { error: error instanceof Error ? error.message : String(error) }),
    );
  }
}

function track<T>(promise: Promise<T>): Tracked<T> {
  return new Tracked(promise);
}

async function allAnswered(requests: Array<Tracked<unknown>>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not answered within ${ANSWER_DEADLINE_MS} ms of resume`)), ANSWER_DEADLINE_MS);
  });
  try {
    await Promise.race([Promise.all(requests.map((request) => request.done)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function boundedWait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function httpGet(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function httpPut(url: string, value: string): Promise<number> {
  const response = await fetch(url, { method: 'PUT', body: JSON.stringify({ value }), signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return response.status;
}

describe('a paused node, to its clients', () => {
  let cluster: Cluster;
  let clients: Clients;
  const extra: Redis[] = [];

  const connect = (node: NodeId): Redis => {
    const client = new Redis(cluster.endpoints(node).redis, { maxRetriesPerRequest: 0, commandTimeout: 30_000, enableReadyCheck: false, retryStrategy: () => null });
    client.on('error', () => {});
    extra.push(client);
    return client;
  };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, transport: 'channel', fsync: 'never', seed: 11, logLevel: 'silent' });
    clients = new Clients(cluster);
  }, 30_000);

  afterEach(async () => {
    for (const client of extra.splice(0)) client.disconnect();
    const paused = (await cluster.status()).filter((s) => s.paused);
    for (const node of paused) await cluster.resume(node.id);
  });

  afterAll(async () => {
    clients?.close();
    await cluster?.stop();
  });

  it('a paused follower answers nothing, forwards nothing, until it resumes; then everything, with no timeout', async () => {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    const follower = cluster.nodeIds.find((id) => id !== leader) as NodeId;
    const http = cluster.endpoints(follower).http as string;
    const before = connect(follower);
    expect(await before.ping()).toBe('PONG'); // connected before the pause
    await cluster.pause(follower);
    const pausedAt = performance.now();

    const write = track(before.set('pf', '1'));
    const read = track(before.get('pf'));
    const ping = track(connect(follower).ping()); // a connection made while paused
    const health = track(httpGet(`${http}/health`));
    const put = track(httpPut(`${http}/v1/kv/pf-http`, 'h'));
    const requests = [write, read, ping, health, put];

    await clients.set('after-pf', '1'); // the leader commits a write sent after them
    await boundedWait(PENDING_CHECK_MS);
    expect(requests.map((request) => request.outcome)).toEqual(requests.map(() => null));

    await cluster.resume(follower);
    const pausedMs = performance.now() - pausedAt;
    await allAnswered(requests);
    expect(write.outcome).toEqual({ value: 'OK' });
    expect(read.outcome).toEqual({ value: '1' });
    expect(ping.outcome).toEqual({ value: 'PONG' });
    expect(health.outcome).toMatchObject({ value: { body: { node: follower, role: 'follower' } } });
    expect(put.outcome).toEqual({ value: 200 });
    console.log(`follower paused ${pausedMs.toFixed(0)} ms; its requests were answered after resume`);
  }, 60_000);

  it('a paused leader answers nothing while paused, even once replaced; resumed, it answers', async () => {
    const leader = await cluster.waitForLeader({ timeoutMs: 10_000 });
    const http = cluster.endpoints(leader).http as string;
    const before = connect(leader);
    expect(await before.ping()).toBe('PONG');
    await cluster.pause(leader);

    const write = track(before.set('pl', '1'));
    const ping = track(connect(leader).ping());
    const health = track(httpGet(`${http}/health`));
    const requests = [write, ping, health];

    await cluster.waitForLeader({ exclude: [leader], timeoutMs: 10_000 });
    await clients.set('after-pl', '1'); // the new leader commits a write
    await boundedWait(PENDING_CHECK_MS);
    expect(requests.map((request) => request.outcome)).toEqual(requests.map(() => null));

    await cluster.resume(leader);
    await allAnswered(requests);
    // Deposed while it held the write, the old leader cannot tell whether it commits: TIMEOUT is
    // the honest answer (a stopped-then-continued process gives the same), OK if it learned first.
    expect(write.outcome).toSatisfy((outcome: unknown) =>
      JSON.stringify(outcome) === JSON.stringify({ value: 'OK' }) || /^TIMEOUT /.test((outcome as { error?: string }).error ?? ''),
    );
    expect(ping.outcome).toEqual({ value: 'PONG' });
    expect(health.outcome).toMatchObject({ value: { body: { node: leader } } });
  }, 60_000);
});
