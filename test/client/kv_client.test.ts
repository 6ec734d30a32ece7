/**
 * KvClient against a real RESP server over a real KV state machine, on a free loopback port:
 * every method, binary safety, typed errors, deadlines and pipelining.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KvArgumentError,
  KvClient,
  KvClosedError,
  KvCommandError,
  KvTimeoutError,
} from '../../src/client/index.js';
import { FixtureCluster } from './fixture_cluster.js';

let cluster: FixtureCluster;
let client: KvClient;

beforeAll(async () => {
  cluster = await FixtureCluster.start(1);
  client = new KvClient({ nodes: cluster.urls() });
});

afterAll(async () => {
  await client.close();
  await cluster.stop();
});

describe('KvClient commands', () => {
  it('sets and gets strings, with nx, xx and get options', async () => {
    expect(await client.set('cmd:a', 'one')).toBe(true);
    expect(await client.get('cmd:a')).toBe('one');
    expect(await client.get('cmd:missing')).toBeNull();
    expect(await client.set('cmd:a', 'two', { nx: true })).toBe(false);
    expect(await client.set('cmd:new', 'x', { xx: true })).toBe(false);
    expect(await client.set('cmd:a', 'three', { xx: true })).toBe(true);
    expect(await client.set('cmd:a', 'four', { get: true })).toBe('three');
    expect(await client.set('cmd:fresh', 'v', { get: true })).toBeNull();
    expect(await client.get('cmd:a')).toBe('four');
  });

  it('deletes, counts and appends', async () => {
    await client.mset({ 'del:1': 'a', 'del:2': 'b', 'del:3': 'c' });
    expect(await client.exists('del:1', 'del:2', 'del:none')).toBe(2);
    expect(await client.del('del:1', 'del:none')).toBe(1);
    expect(await client.del(['del:2', 'del:3'], { timeoutMs: 1000 })).toBe(2);
    expect(await client.exists(['del:1', 'del:2'])).toBe(0);
    expect(await client.append('app', 'ab')).toBe(2);
    expect(await client.append('app', 'cd')).toBe(4);
    expect(await client.get('app')).toBe('abcd');
    expect(await client.strlen('app')).toBe(4);
    expect(await client.strlen('nothing')).toBe(0);
  });

  it('increments counters, up to 64-bit values as bigint', async () => {
    expect(await client.incr('ctr')).toBe(1);
    expect(await client.incrBy('ctr', 41)).toBe(42);
    expect(await client.incrBy('ctr', -2)).toBe(40);
    expect(await client.incrBy('big', 2n ** 62n)).toBe(2n ** 62n);
    expect(await client.incrBy('big', 2n ** 62n - 1n)).toBe(2n ** 63n - 1n);
  });

  it('reports a refused command as a KvCommandError with the Redis text, without retrying', async () => {
    await client.set('not-a-number', 'abc');
    const error = await client.incr('not-a-number').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KvCommandError);
    expect((error as KvCommandError).code).toBe('ERR');
    expect((error as KvCommandError).message).toBe('ERR value is not an integer or out of range');
    const overflow = await client.incrBy('big', 1).catch((e: unknown) => e);
    expect((overflow as KvCommandError).message).toBe('ERR increment or decrement would overflow');
    expect(await client.get('not-a-number')).toBe('abc');
  });

  it('compares and sets, including create-only with expected null', async () => {
    expect(await client.cas('cas', null, 'v1')).toEqual({ swapped: true, current: 'v1' });
    expect(await client.cas('cas', null, 'v2')).toEqual({ swapped: false, current: 'v1' });
    expect(await client.cas('cas', 'wrong', 'v2')).toEqual({ swapped: false, current: 'v1' });
    expect(await client.cas('cas', 'v1', 'v2')).toEqual({ swapped: true, current: 'v2' });
    expect(await client.cas('cas-absent', 'v1', 'v2')).toEqual({ swapped: false, current: null });
  });

  it('reads many keys: mget, keys, scan, dbsize', async () => {
    await client.mset([
      ['list:b', '2'],
      ['list:a', '1'],
      ['list:c', '3'],
    ]);
    expect(await client.mget('list:a', 'list:none', 'list:c')).toEqual(['1', null, '3']);
    expect(await client.mget(['list:b'], { consistency: 'stale' })).toEqual(['2']);
    expect(await client.keys('list:*')).toEqual(['list:a', 'list:b', 'list:c']);
    const scanned: string[] = [];
    let cursor = 0;
    do {
      const page = await client.scan(cursor, { match: 'list:*', count: 2 });
      scanned.push(...page.keys);
      cursor = page.cursor;
    } while (cursor !== 0);
    expect(scanned.sort()).toEqual(['list:a', 'list:b', 'list:c']);
    const all: string[] = [];
    for await (const key of client.scanAll({ match: 'list:*', count: 1 })) all.push(key);
    expect(all.sort()).toEqual(['list:a', 'list:b', 'list:c']);
    expect(await client.dbsize()).toBe((await client.keys()).length);
  });

  it('is binary safe for keys and values', async () => {
    const key = new Uint8Array([0x00, 0xff, 0x0d, 0x0a, 0x20]);
    const value = new Uint8Array(256).map((_, i) => i);
    expect(await client.set(key, value)).toBe(true);
    expect(await client.get(key, { as: 'bytes' })).toEqual(value);
    expect(await client.mget([key], { as: 'bytes' })).toEqual([value]);
    expect(await client.keys(key, { as: 'bytes' })).toEqual([key]);
    expect(await client.append(key, new Uint8Array([0]))).toBe(257);
    const text = 'héllo\r\n wörld ✓';
    await client.set('unicode', text);
    expect(await client.get('unicode')).toBe(text);
    expect(await client.strlen('unicode')).toBe(new TextEncoder().encode(text).length);
  });

  it('pipelines concurrent calls on one connection per node', async () => {
    const count = 2000;
    const started = performance.now();
    const replies = await Promise.all(Array.from({ length: count }, (_, i) => client.set(`pipe:${i}`, String(i))));
    const elapsedMs = performance.now() - started;
    expect(replies.every((reply) => reply)).toBe(true);
    expect(await client.get(`pipe:${count - 1}`)).toBe(String(count - 1));
    // One connection for linearizable traffic, one for the stale reads above.
    expect(cluster.server(1).connectionCount).toBeLessThanOrEqual(2);
    console.log(`pipelined ${count} SETs in ${elapsedMs.toFixed(0)} ms (${Math.round((count / elapsedMs) * 1000)}/s)`);
  });
});

describe('KvClient failures', () => {
  it('refuses bad arguments before sending anything', async () => {
    expect(() => new KvClient({ nodes: [] })).toThrow(KvArgumentError);
    expect(() => new KvClient(['http://127.0.0.1:1'])).toThrow(/only redis/);
    expect(() => new KvClient(['127.0.0.1:99999'])).toThrow(KvArgumentError);
    await expect(client.set('k', 'v', { nx: true, xx: true })).rejects.toThrow(KvArgumentError);
    await expect(client.del()).rejects.toThrow(/DEL needs at least one key/);
    await expect(client.incrBy('k', 1.5)).rejects.toThrow(KvArgumentError);
    await expect(client.get(42 as unknown as string)).rejects.toThrow(/key must be a string or a Uint8Array/);
    await expect(client.get('k', { consistency: 'strong' as 'stale' })).rejects.toThrow(/consistency/);
  });

  it('fails with KvTimeoutError by the deadline when no node accepts connections', async () => {
    const port = await freePort();
    const lonely = new KvClient({ nodes: [`127.0.0.1:${port}`], timeoutMs: 300 });
    const started = performance.now();
    const error = await lonely.get('k').catch((e: unknown) => e);
    const elapsedMs = performance.now() - started;
    await lonely.close();
    expect(error).toBeInstanceOf(KvTimeoutError);
    expect((error as KvTimeoutError).message).toMatch(/GET did not complete within 300 ms.*ECONNREFUSED/);
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('fails with KvTimeoutError when a node accepts but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    const port = await listen(silent);
    const stuck = new KvClient({ nodes: [`127.0.0.1:${port}`], timeoutMs: 400, attemptTimeoutMs: 150 });
    const error = await stuck.set('k', 'v').catch((e: unknown) => e);
    await stuck.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    expect(error).toBeInstanceOf(KvTimeoutError);
    expect((error as KvTimeoutError).lastFailure).toMatch(/no reply/);
  });

  it('fails calls after close() with KvClosedError', async () => {
    const closing = new KvClient({ nodes: cluster.urls() });
    await closing.set('closing', '1');
    const inFlight = closing.get('closing').catch((e: unknown) => e);
    await closing.close();
    const after = await closing.get('closing').catch((e: unknown) => e);
    expect(after).toBeInstanceOf(KvClosedError);
    const raced = await inFlight;
    expect(raced === '1' || raced instanceof KvClosedError).toBe(true);
  });
});

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** A port nothing listens on: bind one, then free it. */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
