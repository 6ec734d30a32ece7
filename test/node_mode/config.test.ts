/** Node settings: file, flags and environment merged (flags winning), defaults, and generated files. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { walkThrough } from '../../src/cli/cluster_config_command.js';
import { planCluster } from '../../src/config/cluster_files.js';
import { parseHostPort, parseMembers } from '../../src/config/config_values.js';
import { ConfigError, loadNodeSettings, readConfigFile } from '../../src/config/load_node_settings.js';
import { toNodeConfig } from '../../src/config/to_node_config.js';
import { checkNodeConfig } from '../../src/runtime/check_node_config.js';
import { runCli } from './node_proc.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kv-sim-config-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MEMBERS = `members:
  - { id: 1, peer: "10.0.0.1:7001", client: "10.0.0.1:6379" }
  - { id: 2, peer: "10.0.0.2:7001", client: "10.0.0.2:6379" }
  - { id: 3, peer: "10.0.0.3:7001" }
`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('node settings', () => {
  it('take defaults from the own members entry, and a data dir relative to the file', () => {
    const path = file('n2.yaml', `id: 2\ndata-dir: data/n2\n${MEMBERS}`);
    const settings = loadNodeSettings({ configPath: path, overrides: {}, cwd: '/somewhere/else' });
    expect(settings).toMatchObject({
      id: 2,
      dataDir: join(dir, 'data/n2'),
      peerListen: { host: '10.0.0.2', port: 7001 },
      clientHost: '10.0.0.2',
      redisPort: 6379,
      httpPort: 8080,
      controlListen: null,
      timing: 'standard',
      fsync: 'always',
      logLevel: 'info',
    });
    const config = toNodeConfig(settings, { randomSeed: 5, breakStaleLock: false });
    checkNodeConfig(config);
    expect(config.transport).toEqual({
      kind: 'tcp',
      listenHost: '10.0.0.2',
      listenPort: 7001,
      peers: [
        { peer: 1, host: '10.0.0.1', port: 7001 },
        { peer: 3, host: '10.0.0.3', port: 7001 },
      ],
    });
    expect(config.clientAddresses).toEqual([
      { peer: 1, address: '10.0.0.1:6379' },
      { peer: 2, address: '10.0.0.2:6379' },
    ]);
  });

  it('let flags (and KV_SIM_* variables, merged by yargs) win over the file; a flag path is relative to the shell', () => {
    const path = file('n1.yaml', `id: 1\ndata-dir: data/n1\nfsync: batch\nlog-level: warn\n${MEMBERS}`);
    const settings = loadNodeSettings({
      configPath: path,
      overrides: { fsync: 'never', 'data-dir': 'local', 'peer-listen': '7100', 'control-listen': '9001', 'redis-port': '6400' },
      cwd: '/srv',
    });
    expect(settings).toMatchObject({
      fsync: 'never',
      logLevel: 'warn',
      dataDir: '/srv/local',
      peerListen: { host: '0.0.0.0', port: 7100 },
      controlListen: { host: '127.0.0.1', port: 9001 },
      redisPort: 6400,
      // Others still reach it at its members address.
      clientAdvertise: { host: '10.0.0.1', port: 6379 },
    });
  });

  it('run without any file, from flags alone', () => {
    const settings = loadNodeSettings({
      overrides: { id: '3', 'data-dir': '/d', members: '1=h1:7001/h1:6379, 2=h2:7001/h2:6379, 3=[::1]:7001' },
      cwd: '/',
    });
    expect(settings.members.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(settings.peerAdvertise).toEqual({ host: '::1', port: 7001 });
    expect(settings.clientAdvertise).toEqual({ host: '::1', port: 6379 });
  });

  it('refuse a peer-advertise that differs from the members entry', () => {
    expect(() => loadNodeSettings({ overrides: { id: '1', 'data-dir': '/d', members: '1=a:1,2=b:1', 'peer-advertise': 'c:1' }, cwd: '/' })).toThrow(
      /peer-advertise c:1 differs from node 1's entry in members \(a:1\)/,
    );
  });

  it('parse addresses and member lists with clear refusals', () => {
    expect(parseHostPort('x')).toEqual({ ok: false, error: "must be HOST:PORT, got 'x'" });
    expect(parseHostPort('h:0').ok).toBe(false);
    expect(parseMembers('1=h:1/h')).toEqual({ ok: false, error: "'1=h:1/h': client address must be HOST:PORT, got 'h'" });
    expect(parseMembers([{ id: 1, peer: 'h:1', port: 3 }])).toEqual({ ok: false, error: "entry 1 has an unknown key 'port' (known: id, peer, client)" });
  });

  it('read an empty file as no settings, and refuse a list', () => {
    expect(readConfigFile(file('empty.yaml', '# nothing\n'))).toEqual({});
    expect(() => readConfigFile(file('list.yaml', '- 1\n- 2\n'))).toThrow(ConfigError);
    expect(() => readConfigFile(file('dup.yaml', 'id: 1\nid: 2\n'))).toThrow(/not valid YAML \(line 2\)/);
  });
});

describe('cluster-config files', () => {
  it('give nodes on one host consecutive ports and nodes on their own hosts the same ports', () => {
    const common = { nodes: 3, peerPort: 7001, redisPort: 6379, httpPort: 8080, controlPort: 9001, controlToken: 't', dataDir: 'data', timing: 'fast' as const, fsync: 'always' as const };
    const loopback = planCluster({ ...common, hostIps: ['127.0.0.1'] });
    expect(loopback.map((n) => [n.peer.port, n.client.port, n.httpPort, n.control?.port])).toEqual([
      [7001, 6379, 8080, 9001],
      [7002, 6380, 8081, 9002],
      [7003, 6381, 8082, 9003],
    ]);
    const hosts = planCluster({ ...common, hostIps: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] });
    expect(hosts.map((n) => `${n.peer.host}:${n.peer.port}`)).toEqual(['10.0.0.1:7001', '10.0.0.2:7001', '10.0.0.3:7001']);
    // Every generated file loads as it is.
    for (const node of hosts) {
      const path = file(node.file, node.text);
      const settings = loadNodeSettings({ configPath: path, overrides: {}, cwd: '/' });
      expect(settings.id).toBe(node.id);
      expect(settings.controlToken).toBe('t');
      expect(settings.dataDir).toBe(join(dir, `data/node${node.id}`));
    }
  });

  it('come with a walk-through for those very files, and are never overwritten by accident', () => {
    const nodes = planCluster({ nodes: 3, hostIps: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], peerPort: 7001, redisPort: 6379, httpPort: 8080, controlPort: 9001, controlToken: 't', dataDir: 'data', timing: 'standard', fsync: 'always' });
    const text = walkThrough('cluster/', nodes, true);
    expect(text).toContain('on 10.0.0.2:  node_modules/.bin/kv-sim node --config cluster/node2.yaml');
    expect(text).toContain('npx kv-sim ctl --endpoints 10.0.0.1:9001,10.0.0.2:9001,10.0.0.3:9001 --token "$(cat cluster/control-token)" status');
    expect(text).toContain('redis-cli -h 10.0.0.1 -p 6379 SET greeting hello');
    const out = join(dir, 'generated');
    expect(runCli(['cluster-config', '--nodes', '3', '--host-ips', '10.0.0.1,10.0.0.2,10.0.0.3', '--out', out]).code).toBe(0);
    const again = runCli(['cluster-config', '--nodes', '3', '--host-ips', '10.0.0.1,10.0.0.2,10.0.0.3', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.err.trim()).toMatch(/^kv-sim: .*node1\.yaml exists; use --force to overwrite$/);
    const badIps = runCli(['cluster-config', '--nodes', '3', '--host-ips', '10.0.0.1,10.0.0.2', '--out', out]);
    expect(badIps.err.trim()).toBe('kv-sim: --host-ips needs 1 or 3 addresses, got 2 (see kv-sim --help)');
  }, 30_000);
});
