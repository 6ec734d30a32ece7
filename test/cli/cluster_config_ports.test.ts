/**
 * `kv-sim cluster-config` ports: a port left out moves past the ports given, two given ports that
 * meet on one host are refused before any file is written, and every plan it does write is one
 * `kv-sim node` accepts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { planCluster, type PlannedNode } from '../../src/config/cluster_files.js';
import { choosePorts, type PortFlag } from '../../src/config/cluster_ports.js';
import { loadNodeSettings } from '../../src/config/load_node_settings.js';
import { checkSettings, type RawSettings } from '../../src/config/node_settings.js';
import { runCli } from '../node_mode/node_proc.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kv-sim-cluster-ports-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOOPBACK = ['127.0.0.1'];

function plan(nodes: number, hostIps: string[], given: Partial<Record<PortFlag, number>>): PlannedNode[] {
  const { first } = choosePorts({ nodes, hostIps, given });
  return planCluster({
    nodes,
    hostIps,
    peerPort: first['peer-port'],
    redisPort: first['redis-port'],
    httpPort: first['http-port'],
    controlPort: first['control-port'],
    controlToken: 't',
    dataDir: 'data',
    timing: 'fast',
    fsync: 'always',
  });
}

/** Every listener of the plan as host:port, so that a test can look for two the same. */
function addresses(nodes: PlannedNode[]): string[] {
  return nodes.flatMap((node) => [node.peer, node.client, { host: node.host, port: node.httpPort }, ...(node.control === null ? [] : [node.control])].map((a) => `${a.host}:${a.port}`));
}

describe('cluster-config ports', () => {
  it('keep their defaults when nothing is given, and a port left out moves past a given one', () => {
    expect(choosePorts({ nodes: 3, hostIps: LOOPBACK, given: {} })).toEqual({
      first: { 'redis-port': 6379, 'peer-port': 7001, 'http-port': 8080, 'control-port': 9001 },
      moved: [],
    });
    const redis7001 = choosePorts({ nodes: 3, hostIps: LOOPBACK, given: { 'redis-port': 7001 } });
    expect(redis7001.first['peer-port']).toBe(7004);
    expect(redis7001.moved).toEqual([{ flag: 'peer-port', from: 7001, to: 7004, takenBy: 'redis-port' }]);
    // One node per host: each kind needs one port, so the next one is free.
    expect(choosePorts({ nodes: 3, hostIps: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], given: { 'redis-port': 7001 } }).first['peer-port']).toBe(7002);
    // Two given blocks in a row: past both.
    expect(choosePorts({ nodes: 3, hostIps: LOOPBACK, given: { 'redis-port': 7001, 'http-port': 7004 } }).first['peer-port']).toBe(7007);
    expect(choosePorts({ nodes: 2, hostIps: LOOPBACK, given: { 'control-port': 0, 'redis-port': 9001 } }).first['control-port']).toBe(0);
  });

  it('given ports that meet on one host are refused, naming both uses and both flags', () => {
    expect(() => plan(3, LOOPBACK, { 'redis-port': 7001, 'peer-port': 7003 })).toThrow(
      "node 1's peer port (--peer-port) and node 3's RESP port (--redis-port) would both use 127.0.0.1:7003: change --peer-port or --redis-port, or leave one out to have it moved past the other",
    );
    expect(() => plan(2, ['10.0.0.1', '10.0.0.2'], { 'http-port': 9001, 'control-port': 9001 })).toThrow(/^node 1's HTTP port \(--http-port\) and node 1's control port \(--control-port\) would both use 10\.0\.0\.1:9001: /);
    // On hosts of their own, the same ports do not meet.
    expect(() => plan(3, ['10.0.0.1', '10.0.0.2', '10.0.0.3'], { 'redis-port': 7001, 'peer-port': 7003 })).not.toThrow();
  });

  it('never make a plan kv-sim node refuses: any mix of given and left-out ports is refused only when two given ones meet', () => {
    const choices: Record<PortFlag, Array<number | undefined>> = {
      'redis-port': [undefined, 7001, 8080],
      'peer-port': [undefined, 7003, 8081, 9001],
      'http-port': [undefined, 6380, 7001, 9002],
      'control-port': [undefined, 0, 7002, 9001],
    };
    const layouts = [LOOPBACK, ['10.0.0.1', '10.0.0.1', '10.0.0.2'], ['10.0.0.1', '10.0.0.2', '10.0.0.3']];
    let written = 0;
    let refused = 0;
    for (const hostIps of layouts) {
      for (const redis of choices['redis-port'])
        for (const peer of choices['peer-port'])
          for (const http of choices['http-port'])
            for (const control of choices['control-port']) {
              const given = Object.fromEntries(Object.entries({ 'redis-port': redis, 'peer-port': peer, 'http-port': http, 'control-port': control }).filter(([, port]) => port !== undefined));
              const givenMeet = givenPortsMeet(3, hostIps, given);
              let nodes: PlannedNode[];
              try {
                nodes = plan(3, hostIps, given);
              } catch (error) {
                expect(givenMeet, `${JSON.stringify(given)} on ${hostIps.join(',')}: ${String(error)}`).toBe(true);
                refused++;
                continue;
              }
              expect(givenMeet, `${JSON.stringify(given)} on ${hostIps.join(',')} was not refused`).toBe(false);
              const all = addresses(nodes);
              expect(new Set(all).size, JSON.stringify(given)).toBe(all.length);
              for (const node of nodes) {
                const checked = checkSettings(parse(node.text) as RawSettings);
                expect(checked.ok ? '' : checked.error, `node ${node.id} of ${JSON.stringify(given)}`).toBe('');
              }
              written++;
            }
    }
    expect([written > 100, refused > 10]).toEqual([true, true]);
  });
});

/** The ports given by the user, each kind counting up per node on a host: do two of them meet? */
function givenPortsMeet(nodes: number, hostIps: string[], given: Partial<Record<PortFlag, number>>): boolean {
  const seen = new Set<string>();
  const onHost = new Map<string, number>();
  for (let index = 0; index < nodes; index++) {
    const host = hostIps.length === 1 ? (hostIps[0] as string) : (hostIps[index] as string);
    const offset = onHost.get(host) ?? 0;
    onHost.set(host, offset + 1);
    for (const port of Object.values(given)) {
      if (port === 0) continue;
      const address = `${host}:${port + offset}`;
      if (seen.has(address)) return true;
      seen.add(address);
    }
  }
  return false;
}

describe('kv-sim cluster-config', () => {
  it('with --redis-port 7001 alone writes files kv-sim node accepts, and says where the peer ports went', () => {
    const out = join(dir, 'redis-7001');
    const result = runCli(['cluster-config', '--nodes', '3', '--redis-port', '7001', '--out', out]);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('--peer-port left out: its default 7001 is taken by --redis-port, so it starts at 7004.');
    for (const id of [1, 2, 3]) {
      const settings = loadNodeSettings({ configPath: join(out, `node${id}.yaml`), overrides: {}, cwd: '/' });
      expect([settings.redisPort, settings.peerListen.port]).toEqual([7000 + id, 7003 + id]);
    }
  }, 30_000);

  it('refuses given ports that meet, in one line, before writing anything', () => {
    const out = join(dir, 'clash');
    const result = runCli(['cluster-config', '--nodes', '3', '--redis-port', '7001', '--peer-port', '7001', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "kv-sim: node 1's RESP port (--redis-port) and node 1's peer port (--peer-port) would both use 127.0.0.1:7001: change --redis-port or --peer-port, or leave one out to have it moved past the other\n",
    );
    expect(existsSync(out)).toBe(false);
  }, 30_000);
});
