/**
 * The config files of a whole cluster, one per node, as text: what `kv-sim cluster-config`
 * writes. Nodes that share a host get consecutive ports, so a loopback cluster works too; a plan
 * in which two ports on one host are the same is refused, since `kv-sim node` would refuse it.
 */
import type { FsyncPolicy } from '../runtime/node_config.js';
import type { TimingName } from '../runtime/timing.js';
import { formatHostPort, type HostPort } from '../lib/host_port.js';
import type { PortFlag } from './cluster_ports.js';

export interface ClusterPlan {
  nodes: number;
  /** One address per node, or one for all. */
  hostIps: string[];
  peerPort: number;
  redisPort: number;
  httpPort: number;
  /** 0 = no control plane. */
  controlPort: number;
  controlToken: string | null;
  /** Where each node keeps its data: `<dataDir>/node<N>`, relative to its config file unless absolute. */
  dataDir: string;
  timing: TimingName;
  fsync: FsyncPolicy;
}

export interface PlannedNode {
  id: number;
  host: string;
  peer: HostPort;
  client: HostPort;
  httpPort: number;
  control: HostPort | null;
  file: string;
  text: string;
}

export function planCluster(plan: ClusterPlan): PlannedNode[] {
  const seenOnHost = new Map<string, number>();
  const nodes = Array.from({ length: plan.nodes }, (_, index) => {
    const id = index + 1;
    const host = plan.hostIps.length === 1 ? (plan.hostIps[0] as string) : (plan.hostIps[index] as string);
    const offset = seenOnHost.get(host) ?? 0;
    seenOnHost.set(host, offset + 1);
    return {
      id,
      host,
      peer: { host, port: plan.peerPort + offset },
      client: { host, port: plan.redisPort + offset },
      httpPort: plan.httpPort + offset,
      control: plan.controlPort === 0 ? null : { host, port: plan.controlPort + offset },
      file: `node${id}.yaml`,
      text: '',
    };
  });
  const clash = portClash(nodes);
  if (clash !== null) throw new Error(clash);
  return nodes.map((node) => ({ ...node, text: nodeFileText(node, nodes, plan) }));
}

/** The first two listeners of the plan on one host and port, said with the flags that set them; null when none. */
function portClash(nodes: PlannedNode[]): string | null {
  const owners = new Map<string, { use: string; flag: PortFlag }>();
  for (const node of nodes) {
    for (const listener of listeners(node)) {
      const address = formatHostPort(listener);
      const owner = owners.get(address);
      const use = `node ${node.id}'s ${listener.kind} port (--${listener.flag})`;
      if (owner !== undefined) return `${owner.use} and ${use} would both use ${address}: change --${owner.flag} or --${listener.flag}, or leave one out to have it moved past the other`;
      owners.set(address, { use, flag: listener.flag });
    }
  }
  return null;
}

function listeners(node: PlannedNode): Array<HostPort & { kind: string; flag: PortFlag }> {
  const all = [
    { kind: 'RESP', flag: 'redis-port' as const, ...node.client },
    { kind: 'peer', flag: 'peer-port' as const, ...node.peer },
    { kind: 'HTTP', flag: 'http-port' as const, host: node.host, port: node.httpPort },
  ];
  return node.control === null ? all : [...all, { kind: 'control', flag: 'control-port' as const, ...node.control }];
}

function nodeFileText(node: PlannedNode, all: PlannedNode[], plan: ClusterPlan): string {
  const members = all.map((member) => `  - { id: ${member.id}, peer: "${formatHostPort(member.peer)}", client: "${formatHostPort(member.client)}" }`);
  const lines = [
    `# kv-sim node ${node.id} of ${all.length}, written by kv-sim cluster-config. Start it on ${node.host} with:`,
    `#   node_modules/.bin/kv-sim node --config ${node.file}   (not npx: it does not pass SIGTERM on;`,
    '#   in a clone of kv-sim itself: node bin/kv-sim.cjs node --config ...)',
    '# Flags (--log-level debug) and KV_SIM_* variables (KV_SIM_LOG_LEVEL=debug) override these values.',
    `id: ${node.id}`,
    `data-dir: ${quote(`${plan.dataDir.replace(/\/+$/, '')}/node${node.id}`)}   # a relative path is taken from this file's directory`,
    '# The initial voters: where peers dial each node (peer) and where clients reach it (client, RESP).',
    '# Every node must list the same members.',
    'members:',
    ...members,
    `peer-listen: "${formatHostPort(node.peer)}"   # 0.0.0.0:${node.peer.port} listens on every interface`,
    `client-host: "${node.host}"   # RESP and HTTP bind here`,
    `redis-port: ${node.client.port}`,
    `http-port: ${node.httpPort}`,
  ];
  if (node.control !== null) {
    lines.push(`control-listen: "${formatHostPort(node.control)}"   # for kv-sim ctl; unauthenticated without a token, keep it on a private network`);
    if (plan.controlToken !== null) lines.push(`control-token: ${quote(plan.controlToken)}`);
  }
  lines.push(`timing: ${plan.timing}`, `fsync: ${plan.fsync}`, 'log-level: info', '');
  return lines.join('\n');
}

function quote(text: string): string {
  return JSON.stringify(text);
}
