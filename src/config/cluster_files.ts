/**
 * The config files of a whole cluster, one per node, as text: what `kv-sim cluster-config`
 * writes. Nodes that share a host get consecutive ports, so a loopback cluster works too.
 */
import type { FsyncPolicy } from '../runtime/node_config.js';
import type { TimingName } from '../runtime/timing.js';
import { formatHostPort, type HostPort } from '../lib/host_port.js';

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
  return nodes.map((node) => ({ ...node, text: nodeFileText(node, nodes, plan) }));
}

function nodeFileText(node: PlannedNode, all: PlannedNode[], plan: ClusterPlan): string {
  const members = all.map((member) => `  - { id: ${member.id}, peer: "${formatHostPort(member.peer)}", client: "${formatHostPort(member.client)}" }`);
  const lines = [
    `# kv-sim node ${node.id} of ${all.length}, written by kv-sim cluster-config. Start it on ${node.host} with:`,
    `#   node_modules/.bin/kv-sim node --config ${node.file}   (not npx: it does not pass SIGTERM on)`,
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
