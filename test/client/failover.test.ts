/**
 * KvClient across leader changes, against three real RESP servers in front of one real KV state
 * machine (test/client/fixture_cluster.ts): the test decides who leads, crashes nodes and makes the
 * leader lose replies, so each case is exact rather than timing-dependent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KvClient, KvSessionExpiredError, KvTimeoutError } from '../../src/client/index.js';
import { FixtureCluster } from './fixture_cluster.js';

const running: Array<{ close(): Promise<void> } | { stop(): Promise<void> }> = [];

async function startCluster(nodes = 3, options = {}): Promise<FixtureCluster> {
  const cluster = await FixtureCluster.start(nodes, options);
  running.push(cluster);
  return cluster;
}

function clientOf(urls: string[], options: { timeoutMs?: number; attemptTimeoutMs?: number } = {}): KvClient {
  const client = new KvClient({ nodes: urls, timeoutMs: 3000, ...options });
  running.push(client);
  return client;
}

afterEach(async () => {
  for (const item of running.splice(0).reverse()) await ('close' in item ? item.close() : item.stop());
});

describe('leader discovery', () => {
  it('finds the leader from a follower through the NOTLEADER hint', async () => {
    const cluster = await startCluster();
    cluster.leaderId = 3;
    const client = clientOf([cluster.url(1)]);
    expect(client.leader).toBeNull();
    expect(await client.set('k', 'v')).toBe(true);
    expect(await client.get('k')).toBe('v');
    expect(cluster.appliedWrites.get(3)).toBe(1);
  });

  it('follows a leader change', async () => {
    const cluster = await startCluster();
    const client = clientOf(cluster.urls());
    await client.set('k', '1');
    cluster.leaderId = 2;
    await client.set('k', '2');
    expect(await client.get('k')).toBe('2');
    expect(cluster.appliedWrites.get(2)).toBe(1);
    expect(client.leader).toBe(cluster.url(2));
  });

  it('waits out an election: no node knows a leader, then one is elected', async () => {
    const cluster = await startCluster();
    const client = clientOf(cluster.urls());
    await client.set('k', 'before');
    cluster.leaderId = 0;
    const write = client.set('k', 'after');
    // Let the client be refused a few times, then elect node 2.
    await waitUntil(() => (cluster.server(1).connectionCount > 0 ? true : false), 1000);
    setTimeout(() => (cluster.leaderId = 2), 100);
    expect(await write).toBe(true);
    expect(await client.get('k')).toBe('after');
  });

  it('serves stale reads without a leader; linearizable reads time out with a typed error', async () => {
    const cluster = await startCluster();
    const client = clientOf(cluster.urls(), { timeoutMs: 400 });
    await client.set('k', 'v');
    cluster.leaderId = 0;
    expect(await client.get('k', { consistency: 'stale' })).toBe('v');
    expect(await client.mget(['k'], { consistency: 'stale' })).toEqual(['v']);
    const error = await client.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KvTimeoutError);
    expect((error as KvTimeoutError).lastFailure).toMatch(/NOTLEADER leader=0/);
  });

  it('moves on when the leader crashes and another node leads', async () => {
    const cluster = await startCluster();
    const client = clientOf(cluster.urls());
    await client.set('k', '1');
    await cluster.crash(1);
    cluster.leaderId = 3;
    expect(await client.incr('n')).toBe(1);
    expect(await client.get('k')).toBe('1');
  });
});

describe('exactly-once writes', () => {
  it('an APPEND whose reply was lost in a leader crash appears once', async () => {
    const cluster = await startCluster();
    const client = clientOf(cluster.urls());
    await client.set('log', '');
    cluster.injectWriteFault('lose-reply');
    const lost = cluster.replyLost();
    const append = client.append('log', 'x');
    await lost; // applied on the leader; the reply will never come
    await cluster.crash(1);
    cluster.leaderId = 2;
    expect(await append).toBe(1); // the first result, replayed by the session table
    expect(await client.get('log')).toBe('x');
    expect(cluster.appliedWrites.get(2)).toBe(1); // the retry reached node 2 and was deduplicated
  });

  it('an INCR answered TIMEOUT after applying is retried with the same sequence', async () => {
    const cluster = await startCluster();
    const client = clientOf(cluster.urls());
    cluster.injectWriteFault('timeout-after-apply');
    expect(await client.incr('counter')).toBe(1);
    expect(await client.get('counter')).toBe('1');
  });

  it('concurrent APPENDs with lost replies and leader changes each appear exactly once', async () => {
    const cluster = await startCluster();
    const client = clientOf(cluster.urls());
    const tokens = Array.from({ length: 300 }, (_, i) => `<${i}>`);
    for (let i = 0; i < 5; i++) cluster.injectWriteFault('timeout-after-apply');
    const appends = tokens.map((token) => client.append('many', token));
    await waitUntil(() => (cluster.appliedWrites.get(1) ?? 0) > 0, 2000);
    cluster.leaderId = 2;
    await Promise.all(appends);
    const value = (await client.get('many')) ?? '';
    for (const token of tokens) expect(value.split(token).length - 1, token).toBe(1);
  });

  it('opens a new session after SESSIONEXPIRED, and says the outcome is unknown', async () => {
    // Tiny session table: one session, a window of one sequence.
    const cluster = await startCluster(1, { maxSessions: 1, sessionWindow: 1 });
    const client = clientOf(cluster.urls());
    const other = clientOf(cluster.urls());
    await client.set('a', '1'); // sequence 1
    await other.set('b', '1'); // evicts the first client's session
    const error = await client.set('a', '2').catch((e: unknown) => e); // sequence 2 of a forgotten session
    expect(error).toBeInstanceOf(KvSessionExpiredError);
    expect(await client.set('a', '3')).toBe(true); // a fresh session
    expect(await client.get('a')).toBe('3');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
