/**
 * Three `kv-sim node` processes on three "hosts" (network namespaces, 10.77.0.1-3 behind a bridge).
 * One host is cut off twice, first with the control plane (kv-sim ctl isolate), then with
 * `ip link set eth0 down`; each time the majority keeps committing and the cut host catches up
 * after the repair. Needs root and iproute2 (CI has both); skipped with the reason otherwise.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlStatus } from '../../src/runtime/control_http.js';
import { at, generateCluster, startNodeProcess, type GeneratedCluster } from './cluster_helpers.js';
import { makeNamespaces, netnsExec, netnsUnavailable, setHostLink, type Namespaces } from './netns.js';
import { BIN_PATH, eventually, runCommand, type CommandOutput, type NodeProcess } from './node_proc.js';

const AGENT = fileURLToPath(new URL('./ns_agent.mjs', import.meta.url));
const IDS = [1, 2, 3];
const unavailable = netnsUnavailable();
if (unavailable !== null) console.log(`network-namespace test skipped: ${unavailable}`);

let dir = '';
let namespaces: Namespaces | null = null;
let cluster: GeneratedCluster;
const processes = new Map<number, NodeProcess>();

/** Runs a command inside host i's namespace; resolves with its output (never rejects). */
function inHost(host: number, command: string[], timeoutMs = 20_000): Promise<CommandOutput> {
  return runCommand([...netnsExec(namespaces as Namespaces, host), ...command], timeoutMs);
}

async function agent<T>(host: number, request: Record<string, unknown>): Promise<T> {
  const result = await inHost(host, [process.execPath, AGENT, JSON.stringify(request)], Number(request['deadlineMs'] ?? 10_000) + 10_000);
  if (result.code !== 0) throw new Error(`agent in host ${host} failed (${result.code}): ${result.err}${result.out}`);
  return JSON.parse(result.out) as T;
}

function ctlIn(host: number, ...words: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const endpoints = IDS.map((id) => `${at(cluster, id).host}:${at(cluster, id).control}`).join(',');
  return inHost(host, [process.execPath, BIN_PATH, 'ctl', '--endpoints', endpoints, '--token', cluster.token, ...words]);
}

/** Statuses of nodes `ids` seen from host `from` (null for a node it cannot reach in time). */
function statuses(from: number, ids: number[] = IDS, deadlineMs = 3_000): Promise<Array<ControlStatus | null>> {
  const urls = ids.map((id) => `http://${at(cluster, id).host}:${at(cluster, id).control}`);
  return agent(from, { op: 'status', urls, token: cluster.token, deadlineMs });
}

/** The leader all of `ids` agree on, as seen from host `from`. */
function leaderAmong(from: number, ids: number[], timeoutMs: number): Promise<number> {
  return eventually(async () => {
    const seen = (await statuses(from, ids)).filter((s): s is ControlStatus => s !== null && ids.includes(s.id));
    if (seen.length !== ids.length) return null;
    const leader = seen[0]?.status.leader ?? 0;
    const ok = seen.every((s) => s.status.leader === leader) && seen.some((s) => s.id === leader && s.status.role === 'leader');
    return ok ? leader : null;
  }, timeoutMs, `a leader agreed by ${ids.join(',')}`, 200);
}

function keys(prefix: string, count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}-${i}`, `${prefix}-value-${i}`]));
}

/** Writes through a majority host's HTTP port (forwarded to the leader); all must be acknowledged. */
async function writeThrough(host: number, values: Record<string, string>): Promise<void> {
  const base = `http://${at(cluster, host).host}:${at(cluster, host).http}`;
  const result = await agent<{ acked: string[]; error?: string }>(host, { op: 'put', base, keys: values, deadlineMs: 20_000 });
  expect(result.error, `writes through node ${host}`).toBeUndefined();
  expect(result.acked).toHaveLength(Object.keys(values).length);
}

async function waitHolds(host: number, values: Record<string, string>, timeoutMs: number): Promise<void> {
  const base = `http://${at(cluster, host).host}:${at(cluster, host).http}`;
  await eventually(async () => {
    const { missing } = await agent<{ missing: number }>(host, { op: 'missing', base, keys: values, deadlineMs: 5_000 });
    return missing === 0 ? true : null;
  }, timeoutMs, `node ${host} to catch up`, 300);
}

describe.skipIf(unavailable !== null)('three hosts in network namespaces', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kv-sim-netns-'));
    namespaces = makeNamespaces(3);
    const ips = IDS.map((id) => (namespaces as Namespaces).ip(id));
    cluster = generateCluster(join(dir, 'cluster'), ips, { peer: 7001, redis: 6379, http: 8080, control: 9001 });
    for (const id of IDS) processes.set(id, startNodeProcess(cluster, id, netnsExec(namespaces, id)));
    await Promise.all([...processes.values()].map((node) => node.waitReady(30_000)));
  }, 60_000);

  afterAll(async () => {
    // Always: processes first (they live in the namespaces), then the namespaces, then the files.
    await Promise.all([...processes.values()].map((node) => node.kill('SIGKILL')));
    namespaces?.teardown();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('keeps committing on the majority while one host is cut off by the control plane, then catches it up', async () => {
    const leader = await leaderAmong(1, IDS, 20_000);
    const cut = leader; // the hardest case: the majority must elect a new leader too
    const majority = IDS.filter((id) => id !== cut);
    const from = majority[0] as number;
    const isolated = await ctlIn(from, 'isolate', String(cut));
    expect(isolated.out.trim(), isolated.err).toBe(`node ${cut} isolated`);
    const before = (await statuses(from)).find((s) => s?.id === cut)?.status.commitIndex ?? -1;
    const values = keys('ctl-cut', 10);
    await writeThrough(from, values);
    const newLeader = await leaderAmong(from, majority, 10_000);
    expect(newLeader).not.toBe(cut);
    // Still reachable (only Raft traffic is cut), and still behind.
    expect((await statuses(from)).find((s) => s?.id === cut)?.status.commitIndex).toBe(before);
    const healed = await ctlIn(from, 'heal');
    expect(healed.code, healed.out + healed.err).toBe(0);
    await waitHolds(cut, values, 20_000);
  }, 90_000);

  it('keeps committing on the majority while one host has its link down, then catches it up', async () => {
    const leader = await leaderAmong(1, IDS, 20_000);
    const cut = leader;
    const majority = IDS.filter((id) => id !== cut);
    const from = majority[0] as number;
    setHostLink(namespaces as Namespaces, cut, 'down');
    const values = keys('link-down', 10);
    try {
      await writeThrough(from, values);
      expect(await leaderAmong(from, majority, 10_000)).not.toBe(cut);
      expect(await statuses(from, [cut], 1_000), 'the cut host does not answer').toEqual([null]);
    } finally {
      setHostLink(namespaces as Namespaces, cut, 'up');
    }
    await waitHolds(cut, values, 30_000);
    await waitHolds(cut, keys('ctl-cut', 10), 5_000);
  }, 90_000);
});
