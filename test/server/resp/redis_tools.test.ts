import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespServer } from '../../../src/server/resp/index.js';
import { StateMachineBackend } from './state_machine_backend.js';
import { installed } from '../../support/installed.js';

const run = promisify(execFile);

// redis-cli comes from the OS package redis-tools, not from npm: without it these tests are
// skipped (and say so) rather than failed, so the suite runs on machines without Redis tools.
const hasRedisCli = installed('redis-cli');
if (!hasRedisCli) console.log('redis-cli not installed: skipping the redis-cli compatibility tests');

let server: RespServer;
let port: number;

beforeAll(async () => {
  server = await RespServer.start({ backend: new StateMachineBackend(), port: 0 });
  port = server.address().port;
});

afterAll(async () => {
  await server.close();
});

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

describe.skipIf(!hasRedisCli)('redis-cli against the RESP port', () => {
  it('sets, gets, counts and lists keys', async () => {
    expect(await cli('SET', 'tool:k', 'a value')).toBe('OK');
    expect(await cli('GET', 'tool:k')).toBe('a value');
    expect(await cli('INCR', 'tool:n')).toBe('1');
    expect(await cli('GET', 'tool:missing')).toBe('');
    expect((await cli('--scan', '--pattern', 'tool:*')).split('\n').sort()).toEqual(['tool:k', 'tool:n']);
  });

  it('shows Raft status with INFO replication and reports errors', async () => {
    const info = await cli('INFO', 'replication');
    expect(info).toContain('role:leader');
    expect(info).toContain('raft_term:3');
    expect(await cli('INCR', 'tool:k')).toBe('ERR value is not an integer or out of range');
  });

  it('works over RESP3 (-3)', async () => {
    expect(await cli('-3', 'SET', 'tool:r3', 'x')).toBe('OK');
    expect(await cli('-3', '--no-raw', 'GET', 'tool:none')).toBe('(nil)');
  });
});

describe('ioredis against the RESP port', () => {
  it('connects, pipelines and uses the session commands', async () => {
    const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.set('io:k', 'v')).toBe('OK');
      expect(await redis.get('io:k')).toBe('v');
      const results = await redis.pipeline().incr('io:n').incr('io:n').get('io:n').exec();
      expect(results?.map(([error, value]) => error ?? value)).toEqual([1, 2, '2']);
      expect(await redis.call('CLIENT', 'SESSION', 'io-client')).toBe('OK');
      expect(await redis.call('SEQ', '1', 'INCR', 'io:n')).toBe(3);
      expect(await redis.call('SEQ', '1', 'INCR', 'io:n')).toBe(3);
      await expect(redis.incr('io:k')).rejects.toThrow('ERR value is not an integer or out of range');
    } finally {
      redis.disconnect();
    }
  });
});
