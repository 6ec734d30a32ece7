/**
 * The Raft store a user would pick instead: etcd with 3 members on loopback ports, each in a temp
 * dir, reached through its JSON gateway. Clients are pointed at the leader, as kv-sim's are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer, waitUntil, type Server } from './proc.js';

export interface RunningEtcd {
  /** Client URL of the current leader, e.g. http://127.0.0.1:40123. */
  leaderUrl: string;
  stop(): Promise<void>;
}

const MEMBERS = 3;
const START_TIMEOUT_MS = 30_000;

export async function startEtcdReference(etcd: string): Promise<RunningEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'kv-sim-bench-etcd-'));
  const members = await Promise.all(Array.from({ length: MEMBERS }, async (_, i) => ({
    name: `m${i + 1}`,
    clientUrl: `http://127.0.0.1:${await freePort()}`,
    peerUrl: `http://127.0.0.1:${await freePort()}`,
  })));
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const servers: Server[] = members.map((m) => startServer(etcd, [
    '--name', m.name, '--data-dir', join(dir, m.name),
    '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
    '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
    '--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'kv-sim-bench',
    '--logger', 'zap', '--log-level', 'error',
  ]));
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let leaderUrl = '';
    await waitUntil('an etcd leader', async () => {
      for (const m of members) if (await isLeader(m.clientUrl)) leaderUrl = m.clientUrl;
      return leaderUrl !== '';
    }, START_TIMEOUT_MS, 100);
    return { leaderUrl, stop };
  } catch (error) {
    const said = servers.map((s) => s.output().slice(-500)).join('\n');
    await stop();
    throw new Error(`${String(error)}; etcd said: ${said}`);
  }
}

async function isLeader(clientUrl: string): Promise<boolean> {
  const response = await fetch(`${clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
  if (!response.ok) return false;
  const status = (await response.json()) as { header?: { member_id?: string }; leader?: string };
  return status.leader !== undefined && status.leader !== '0' && status.leader === status.header?.member_id;
}

export function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}
