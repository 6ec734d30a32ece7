/**
 * A 3-node cluster of real `kv-sim node` processes built from `kv-sim cluster-config` files:
 * ports, the control planes (status, leader), and reads through redis-cli and the TS client.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KvClient } from '../../src/client/index.js';
import type { ControlStatus } from '../../src/runtime/control_http.js';
import { eventually, NodeProcess, runCli } from './node_proc.js';

export interface ClusterPorts {
  peer: number;
  redis: number;
  http: number;
  control: number;
}

export interface GeneratedCluster {
  dir: string;
  token: string;
  /** Per node id (1-based): host and ports. */
  nodes: Map<number, { host: string; peer: number; redis: number; http: number; control: number }>;
}

/** Runs `kv-sim cluster-config` and reads back what it promised. */
export function generateCluster(dir: string, hostIps: string[], ports: ClusterPorts, nodes = 3): GeneratedCluster {
  const result = runCli([
    'cluster-config', '--nodes', String(nodes), '--host-ips', hostIps.join(','), '--out', dir, '--timing', 'fast',
    '--peer-port', String(ports.peer), '--redis-port', String(ports.redis), '--http-port', String(ports.http), '--control-port', String(ports.control),
  ]);
  if (result.code !== 0) throw new Error(`cluster-config failed (${result.code}): ${result.err}`);
  const token = readFileSync(join(dir, 'control-token'), 'utf8').trim();
  const shared = hostIps.length === 1;
  const map = new Map<number, { host: string; peer: number; redis: number; http: number; control: number }>();
  for (let id = 1; id <= nodes; id++) {
    const offset = shared ? id - 1 : 0;
    const host = shared ? (hostIps[0] as string) : (hostIps[id - 1] as string);
    map.set(id, { host, peer: ports.peer + offset, redis: ports.redis + offset, http: ports.http + offset, control: ports.control + offset });
  }
  return { dir, token, nodes: map };
}

export function at(cluster: GeneratedCluster, id: number): { host: string; peer: number; redis: number; http: number; control: number } {
  const node = cluster.nodes.get(id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
}

export function startNodeProcess(cluster: GeneratedCluster, id: number, prefix?: string[]): NodeProcess {
  return new NodeProcess(`node ${id}`, ['node', '--config', join(cluster.dir, `node${id}.yaml`)], prefix === undefined ? {} : { prefix });
}

export async function controlStatus(cluster: GeneratedCluster, id: number, timeoutMs = 2_000): Promise<ControlStatus> {
  const { host, control } = at(cluster, id);
  const response = await fetch(`http://${host}:${control}/control/status`, {
    headers: { authorization: `Bearer ${cluster.token}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`control status of node ${id}: HTTP ${response.status}`);
  return (await response.json()) as ControlStatus;
}

/** Waits until every node in `ids` names the same leader (one of `ids`), and returns it. */
export function agreedLeader(cluster: GeneratedCluster, ids: number[], timeoutMs: number, except?: number): Promise<number> {
  return eventually(
    async () => {
      const statuses = await Promise.all(ids.map((id) => controlStatus(cluster, id)));
      const leader = statuses[0]?.status.leader ?? 0;
      const agreed = statuses.every((s) => s.status.leader === leader);
      const leads = statuses.some((s) => s.id === leader && s.status.role === 'leader');
      return agreed && leads && leader !== except ? leader : null;
    },
    timeoutMs,
    `a leader every node of ${ids.join(',')} agrees on${except === undefined ? '' : ` other than ${except}`}`,
  );
}

export function hasRedisCli(): boolean {
  return spawnSync('redis-cli', ['--version'], { encoding: 'utf8' }).status === 0;
}

export function redisCli(host: string, port: number, args: string[], prefix: string[] = []): string {
  const command = [...prefix, 'redis-cli', '-h', host, '-p', String(port), ...args];
  const result = spawnSync(command[0] as string, command.slice(1), { encoding: 'utf8', timeout: 10_000 });
  return `${result.stdout}${result.stderr}`.trim();
}

/** Waits until node `id` itself holds every expected value (stale reads are served from its own state). */
export async function nodeHolds(cluster: GeneratedCluster, id: number, expected: Map<string, string>, timeoutMs: number): Promise<void> {
  const { host, redis } = at(cluster, id);
  const client = new KvClient({ nodes: [`${host}:${redis}`], timeoutMs: 3_000 });
  try {
    await eventually(
      async () => {
        for (const [key, value] of expected) {
          if ((await client.get(key, { consistency: 'stale' })) !== value) return null;
        }
        return true;
      },
      timeoutMs,
      `node ${id} to hold all ${expected.size} acknowledged writes`,
      200,
    );
  } finally {
    await client.close();
  }
}
