/**
 * `kv-sim node` with a bad config, as a child process: one clear line on stderr, a non-zero exit,
 * no stack trace, and nothing left running.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock, runCli } from './node_proc.js';

let dir: string;
let ports: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kv-sim-bad-config-'));
  ports = await freePortBlock(8);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid single-node-of-three config, with some lines replaced or added. */
function configFile(name: string, lines: Record<string, string | null> = {}, extra = ''): string {
  const base: Record<string, string> = {
    id: '1',
    'data-dir': `"${join(dir, name, 'data')}"`,
    members: `"1=127.0.0.1:${ports}/127.0.0.1:${ports + 3},2=127.0.0.1:${ports + 1}/127.0.0.1:${ports + 4},3=127.0.0.1:${ports + 2}/127.0.0.1:${ports + 5}"`,
    'http-port': String(ports + 6),
    timing: 'fast',
    'log-level': 'warn',
  };
  const text = Object.entries({ ...base, ...lines })
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `${text}\n${extra}`);
  return path;
}

function expectOneLineError(result: { code: number | null; out: string; err: string }, pattern: RegExp): void {
  expect(result.code, result.err).toBe(1);
  const lines = result.err.trimEnd().split('\n');
  expect(lines, result.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^kv-sim: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.err).not.toMatch(/\bat .*:\d+:\d+/);
}

function node(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  return runCli(['node', ...args], env);
}

describe('kv-sim node refuses a bad config in one line', () => {
  it('an unknown key, with a suggestion', () => {
    const path = configFile('unknown-key', {}, 'redis_port: 7000\n');
    expectOneLineError(node(['--config', path]), /unknown key 'redis_port' \(did you mean 'redis-port'\?\)/);
  });

  it('malformed YAML, with its line', () => {
    const path = configFile('malformed', {}, 'seed: [1, 2\n');
    expectOneLineError(node(['--config', path]), /malformed\.yaml is not valid YAML \(line 8\): Flow sequence .* must .* end with a \]$/);
  });

  it('a missing config file', () => {
    expectOneLineError(node(['--config', join(dir, 'nope.yaml')]), /cannot read config file .*nope\.yaml: ENOENT/);
  });

  it('a member list without the node itself', () => {
    const path = configFile('not-member', { id: '4' });
    expectOneLineError(node(['--config', path]), /members \(1, 2, 3\) do not include this node's id 4/);
  });

  it('duplicate member ids and duplicate ports', () => {
    const dupId = configFile('dup-id', { members: `"1=127.0.0.1:${ports},1=127.0.0.1:${ports + 1}"` });
    expectOneLineError(node(['--config', dupId]), /members: node 1 is listed twice \(in .*dup-id\.yaml\)$/);
    const dupAddress = configFile('dup-address', { members: `"1=127.0.0.1:${ports},2=127.0.0.1:${ports}"` });
    expectOneLineError(node(['--config', dupAddress]), /members: node 2's peer port and node 1's peer port both use 127\.0\.0\.1:\d+/);
    const samePort = configFile('same-port', { 'http-port': String(ports + 3) });
    expectOneLineError(node(['--config', samePort]), /redis-port and http-port both use port \d+/);
  });

  it('a bad value names the setting and where it came from', () => {
    const path = configFile('bad-value', { fsync: 'sometimes' });
    expectOneLineError(node(['--config', path]), /fsync must be one of always, batch, never, got 'sometimes' \(in .*bad-value\.yaml\)/);
    expectOneLineError(node(['--config', path, '--fsync', 'always', '--redis-port', '99999']), /redis-port must be a port from 1 to 65535, got '99999' \(from --redis-port or KV_SIM_REDIS_PORT\)/);
    expectOneLineError(node(['--config', path, '--fsync', 'always'], { KV_SIM_TIMING: 'slow' }), /timing must be one of fast, standard, got 'slow'/);
  });

  it('a data dir that cannot be used', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const path = configFile('bad-data-dir', { 'data-dir': `"${join(file, 'data')}"` });
    expectOneLineError(node(['--config', path]), /data-dir .*a-file\/data cannot be created: (ENOTDIR|EEXIST)/);
  });

  it('a port in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports + 3, '127.0.0.1', resolve));
    try {
      const path = configFile('port-in-use');
      // The port is bound in this process: the kernel refuses the child's bind, busy event loop or not.
      expectOneLineError(node(['--config', path]), new RegExp(`cannot listen for RESP clients on 127\\.0\\.0\\.1:${ports + 3}: EADDRINUSE`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a config missing what it must have', () => {
    expectOneLineError(node([]), /id is missing/);
    expectOneLineError(node(['--id', '1']), /data-dir is missing/);
    expectOneLineError(node(['--id', '1', '--data-dir', join(dir, 'x')]), /members is missing/);
  });
});
