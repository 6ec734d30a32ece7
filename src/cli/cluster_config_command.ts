/**
 * `kv-sim cluster-config`: writes node1.yaml..nodeN.yaml for a cluster (and a control-token file),
 * then prints a step-by-step walk-through for those very files.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { planCluster, type ClusterPlan, type PlannedNode } from '../config/cluster_files.js';
import { choosePorts, describeMoved, PORT_DEFAULTS, type PortFlag } from '../config/cluster_ports.js';
import { formatHostPort } from '../lib/host_port.js';
import { makeDirectory } from '../lib/make_directory.js';

const NODES_MAX = 99;
export const TOKEN_FILE = 'control-token';

function builder(yargs: Argv<object>) {
  return yargs
    .option('nodes', { alias: 'n', type: 'number', default: 3, describe: `number of nodes (1..${NODES_MAX})` })
    .option('host-ips', { type: 'string', default: '127.0.0.1', describe: 'comma-separated address of each node, or one for all' })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'directory for the files (created when missing)' })
    .option('peer-port', { type: 'number', describe: `Raft peer port [default: ${PORT_DEFAULTS['peer-port']}]` })
    .option('redis-port', { type: 'number', describe: `RESP client port [default: ${PORT_DEFAULTS['redis-port']}]` })
    .option('http-port', { type: 'number', describe: `HTTP API port [default: ${PORT_DEFAULTS['http-port']}]` })
    .option('control-port', { type: 'number', describe: `control-plane port for kv-sim ctl, 0 = none [default: ${PORT_DEFAULTS['control-port']}]` })
    .option('control-token', { type: 'boolean', default: true, describe: 'require a random token for the control plane (--no-control-token: none)' })
    .option('data-dir', { type: 'string', default: 'data', describe: 'each node keeps its data in DATA_DIR/nodeN (relative to its file)' })
    .option('timing', { choices: ['fast', 'standard'] as const, default: 'standard' as const, describe: 'election timing profile' })
    .option('fsync', { choices: ['always', 'batch', 'never'] as const, default: 'always' as const, describe: 'when storage syncs to disk' })
    .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' })
    .check((args) => {
      if (!Number.isInteger(args.nodes) || args.nodes < 1 || args.nodes > NODES_MAX) throw new Error(`--nodes must be an integer from 1 to ${NODES_MAX}, got ${String(args.nodes)}`);
      const ips = ipList(args['host-ips']);
      if (ips.length !== 1 && ips.length !== args.nodes) throw new Error(`--host-ips needs 1 or ${args.nodes} addresses, got ${ips.length}`);
      const bad = ips.find((ip) => !/^[A-Za-z0-9.:-]+$/.test(ip));
      if (bad !== undefined) throw new Error(`--host-ips: '${bad}' is not a host address`);
      for (const name of ['peer-port', 'redis-port', 'http-port', 'control-port'] as const) {
        const port = args[name];
        if (port === undefined) continue;
        const lowest = name === 'control-port' ? 0 : 1;
        if (!Number.isInteger(port) || port < lowest || port + args.nodes - 1 > 65_535) throw new Error(`--${name} must be a port from ${lowest} to 65535 (with room for every node), got ${String(port)}`);
      }
      return true;
    })
    .example('$0 cluster-config --nodes 3 --host-ips 10.0.0.1,10.0.0.2,10.0.0.3 --out cluster/', 'one file per host')
    .epilogue(
      'Nodes that share a host count up from each port. A port flag left out keeps its default unless a ' +
        'given flag\'s ports take it; it then starts just past them (3 nodes on one host with --redis-port 7001: ' +
        'RESP 7001-7003, peer 7004-7006). Given ports that meet on one host are refused, before any file is written.',
    );
}

type ClusterConfigArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

function ipList(text: string): string[] {
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

export const clusterConfigCommand = {
  command: 'cluster-config',
  describe: 'write a config file for every node of a cluster, and print how to start it',
  builder,
  handler: (args: ClusterConfigArgs): void => {
    const hostIps = ipList(args['host-ips']);
    const ports = choosePorts({ nodes: args.nodes, hostIps, given: givenPorts(args) });
    const plan: ClusterPlan = {
      nodes: args.nodes,
      hostIps,
      peerPort: ports.first['peer-port'],
      redisPort: ports.first['redis-port'],
      httpPort: ports.first['http-port'],
      controlPort: ports.first['control-port'],
      controlToken: args['control-token'] && ports.first['control-port'] !== 0 ? randomBytes(16).toString('hex') : null,
      dataDir: args['data-dir'],
      timing: args.timing,
      fsync: args.fsync,
    };
    const nodes = planCluster(plan);
    writeFiles(args.out, nodes, plan.controlToken, args.force);
    process.stdout.write(walkThrough(args.out, nodes, plan.controlToken !== null, ports.moved.map(describeMoved)));
  },
};

function givenPorts(args: ClusterConfigArgs): Partial<Record<PortFlag, number>> {
  const given: Partial<Record<PortFlag, number>> = {};
  for (const flag of Object.keys(PORT_DEFAULTS) as PortFlag[]) {
    const port = args[flag];
    if (port !== undefined) given[flag] = port;
  }
  return given;
}

function writeFiles(dir: string, nodes: PlannedNode[], token: string | null, force: boolean): void {
  const names = [...nodes.map((node) => node.file), ...(token === null ? [] : [TOKEN_FILE])];
  const existing = names.filter((name) => existsSync(join(dir, name)));
  if (existing.length > 0 && !force) throw new Error(`${join(dir, existing[0] as string)} exists; use --force to overwrite`);
  try {
    makeDirectory(dir);
    for (const node of nodes) writeFileSync(join(dir, node.file), node.text, { mode: token === null ? 0o644 : 0o600 });
    if (token !== null) writeFileSync(join(dir, TOKEN_FILE), `${token}\n`, { mode: 0o600 });
  } catch (error) {
    throw new Error(`cannot write to ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The README-ready walk-through for the files just written. */
export function walkThrough(dir: string, nodes: PlannedNode[], withToken: boolean, notes: readonly string[] = []): string {
  const out = dir.replace(/\/+$/, '');
  const controls = nodes.flatMap((node) => (node.control === null ? [] : [formatHostPort(node.control)])).join(',');
  const token = withToken ? ` --token "$(cat ${out}/${TOKEN_FILE})"` : '';
  const lines = [
    `Wrote ${nodes.map((node) => `${out}/${node.file}`).join(', ')}${withToken ? ` and ${out}/${TOKEN_FILE}` : ''}.`,
    ...notes,
    '',
    `1. Copy ${out}/ to every host (the files hold the control token: keep them private).`,
    '2. Start one node per host (each process runs until SIGTERM; run it under systemd or similar, as',
    '   node_modules/.bin/kv-sim rather than npx, which does not pass SIGTERM on; in a clone of kv-sim',
    '   itself, node bin/kv-sim.cjs):',
    ...nodes.map((node) => `     on ${node.host}:  node_modules/.bin/kv-sim node --config ${out}/${node.file}`),
    '   Open these ports between the hosts: peer ' + unique(nodes.map((n) => n.peer.port)) + ', RESP ' + unique(nodes.map((n) => n.client.port)) + ', HTTP ' + unique(nodes.map((n) => n.httpPort)) + (controls === '' ? '' : '; control ' + unique(nodes.flatMap((n) => (n.control === null ? [] : [n.control.port])))) + '.',
    '3. Talk to any node; followers forward to the leader:',
    `     redis-cli -h ${nodes[0]?.client.host} -p ${nodes[0]?.client.port} SET greeting hello`,
    `     curl -s http://${nodes[1]?.host ?? nodes[0]?.host}:${nodes[1]?.httpPort ?? nodes[0]?.httpPort}/v1/kv/greeting`,
  ];
  if (controls !== '') {
    lines.push(
      '4. Inspect the cluster and inject faults with the emulator\'s words:',
      `     npx kv-sim ctl --endpoints ${controls}${token} status`,
      `     npx kv-sim ctl --endpoints ${controls}${token} isolate ${nodes.length}`,
      `     npx kv-sim ctl --endpoints ${controls}${token} heal`,
    );
  }
  lines.push(`${controls === '' ? '4' : '5'}. Stop a node with SIGTERM (Ctrl-C); start it again with the same command: it recovers from its data dir.`, '');
  return lines.join('\n');
}

function unique(ports: number[]): string {
  return [...new Set(ports)].join('/');
}
