/**
 * Two `kv-sim node` PROCESSES of one 2-node cluster, started with different timing: each refuses
 * the other's peer connection, says why in its log and its control-plane status, and no read is
 * served (no leader can be elected across the refused link). Restarted with the same timing, the
 * pair links, elects a leader and serves reads.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvClient, KvTimeoutError } from '../../src/client/index.js';
import { agreedLeader, at, controlStatus, generateCluster, startNodeProcess, type GeneratedCluster } from './cluster_helpers.js';
import { eventually, freePortBlock, NodeProcess, runCliAsync, type LogLine } from './node_proc.js';

const IDS = [1, 2];
let dir: string;
let cluster: GeneratedCluster;
const processes = new Map<number, NodeProcess>();

/** The generated files say `fast` timing; a flag overrides one node's (flags win over the file). */
function startWithTiming(id: number, timing: 'fast' | 'standard'): NodeProcess {
  return new NodeProcess(`node ${id}`, ['node', '--config', join(cluster.dir, `node${id}.yaml`), '--timing', timing]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kv-sim-lease-settings-'));
  const taken = new Set<number>();
  const ports = { peer: await freePortBlock(2, taken), redis: await freePortBlock(2, taken), http: await freePortBlock(2, taken), control: await freePortBlock(2, taken) };
  cluster = generateCluster(join(dir, 'cluster'), ['127.0.0.1'], ports, 2);
});

afterAll(async () => {
  await Promise.all([...processes.values()].map((node) => node.kill('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

const refusal = (line: LogLine): boolean => line.msg === 'refused a peer whose lease settings or protocol differ';

describe('kv-sim node processes with different timing', () => {
  it('refuse to link, report both values in the log and in status, and serve no read', async () => {
    processes.set(1, startWithTiming(1, 'standard'));
    processes.set(2, startWithTiming(2, 'fast'));
    const [one, two] = [processes.get(1) as NodeProcess, processes.get(2) as NodeProcess];
    expect((await one.waitReady()).timing).toBe('standard');
    expect((await two.waitReady()).timing).toBe('fast');

    const atOne = 'lease settings differ (tick interval 10 ms at node 2, 20 ms at node 1; election timeout 15 ticks at node 2, 50 ticks at node 1): every node needs the same timing and read-lease';
    const atTwo = 'lease settings differ (tick interval 20 ms at node 1, 10 ms at node 2; election timeout 50 ticks at node 1, 15 ticks at node 2): every node needs the same timing and read-lease';
    expect((await one.waitForLog(refusal, 10_000, "node 1's refusal")).reason).toBe(atOne);
    expect((await two.waitForLog(refusal, 10_000, "node 2's refusal")).reason).toBe(atTwo);
    // Each also logs the line the other sent back when it refused us.
    const told = (line: LogLine): boolean => line.msg === 'peer refused our connection';
    expect(String((await one.waitForLog(told, 10_000, 'node 2 refusing node 1')).reply)).toContain(atTwo);
    expect(String((await two.waitForLog(told, 10_000, 'node 1 refusing node 2')).reply)).toContain(atOne);
    expect((await controlStatus(cluster, 1)).status.refusedPeers).toEqual([{ peer: 2, reason: atOne }]);
    expect((await controlStatus(cluster, 2)).status.refusedPeers).toEqual([{ peer: 1, reason: atTwo }]);
    const endpoints = IDS.map((id) => `127.0.0.1:${at(cluster, id).control}`).join(',');
    const ctlStatus = await runCliAsync(['ctl', '--endpoints', endpoints, '--token', cluster.token, 'status']);
    expect(ctlStatus.out).toContain(`node 1 refuses to link with node 2: ${atOne}`);
    expect(ctlStatus.out).toContain(`node 2 refuses to link with node 1: ${atTwo}`);
    expect(ctlStatus.code).toBe(3); // a script sees the cluster is not whole

    // A read through either node finds no leader to serve it (lease or not) and times out.
    await Promise.all(
      IDS.map(async (id) => {
        const client = new KvClient({ nodes: [`127.0.0.1:${at(cluster, id).redis}`], timeoutMs: 2_000 });
        try {
          await expect(client.get('k')).rejects.toBeInstanceOf(KvTimeoutError);
        } finally {
          await client.close();
        }
      }),
    );
    for (const id of IDS) expect((await controlStatus(cluster, id)).status.role).not.toBe('leader');
  }, 60_000);

  it('link, elect a leader and serve reads once restarted with the same timing', async () => {
    const exit = await processes.get(1)?.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    const again = startNodeProcess(cluster, 1); // the file's timing: fast, as node 2's
    processes.set(1, again);
    await again.waitReady();
    await processes.get(2)?.waitForLog((line) => line.msg === 'accepted the peer: its settings agree now', 10_000, 'node 2 accepting node 1');
    await agreedLeader(cluster, IDS, 15_000);
    const client = new KvClient({ nodes: IDS.map((id) => `127.0.0.1:${at(cluster, id).redis}`), timeoutMs: 10_000 });
    try {
      await client.set('k', 'v');
      for (const id of IDS) {
        const direct = new KvClient({ nodes: [`127.0.0.1:${at(cluster, id).redis}`], timeoutMs: 10_000 });
        try {
          expect(await direct.get('k')).toBe('v');
        } finally {
          await direct.close();
        }
      }
    } finally {
      await client.close();
    }
    for (const id of IDS) {
      expect(await eventually(async () => ((await controlStatus(cluster, id)).status.refusedPeers.length === 0 ? true : null), 10_000, `node ${id} to list no refused peer`)).toBe(true);
    }
    expect(again.logs().some(refusal)).toBe(false);
  }, 60_000);
});
