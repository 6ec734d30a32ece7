/**
 * Three `kv-sim node` PROCESSES on loopback from `kv-sim cluster-config` files: writes through one
 * node, SIGKILL of the leader's process, a new leader, restart of the killed process, and every
 * acknowledged write read back from every node (TS client, redis-cli, HTTP). Also: the peer port
 * refuses client commands, `kv-sim ctl` drives link faults, SIGTERM exits 0.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvClient } from '../../src/client/index.js';
import { agreedLeader, at, controlStatus, generateCluster, hasRedisCli, nodeHolds, redisCli, startNodeProcess, type GeneratedCluster } from './cluster_helpers.js';
import { eventually, freePortBlock, runCliAsync, type NodeProcess } from './node_proc.js';

const IDS = [1, 2, 3];
let dir: string;
let cluster: GeneratedCluster;
const processes = new Map<number, NodeProcess>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kv-sim-node-mode-'));
  const taken = new Set<number>();
  const ports = { peer: await freePortBlock(3, taken), redis: await freePortBlock(3, taken), http: await freePortBlock(3, taken), control: await freePortBlock(3, taken) };
  cluster = generateCluster(join(dir, 'cluster'), ['127.0.0.1'], ports);
  for (const id of IDS) processes.set(id, startNodeProcess(cluster, id));
  await Promise.all([...processes.values()].map((node) => node.waitReady()));
}, 60_000);

afterAll(async () => {
  await Promise.all([...processes.values()].map((node) => node.kill('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

function ctl(...words: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const endpoints = IDS.map((id) => `127.0.0.1:${at(cluster, id).control}`).join(',');
  return runCliAsync(['ctl', '--endpoints', endpoints, '--token', cluster.token, ...words]);
}

describe('kv-sim node processes', () => {
  it('survive SIGKILL of the leader process and give back every acknowledged write from every node', async () => {
    const leader = await agreedLeader(cluster, IDS, 15_000);
    const through = IDS.find((id) => id !== leader) as number; // a follower: writes are forwarded
    const acknowledged = new Map<string, string>();
    const client = new KvClient({ nodes: [`127.0.0.1:${at(cluster, through).redis}`], timeoutMs: 10_000 });
    try {
      for (let i = 0; i < 20; i++) {
        await client.set(`before-${i}`, `v${i}`);
        acknowledged.set(`before-${i}`, `v${i}`);
      }
      const killed = await processes.get(leader)?.kill('SIGKILL');
      expect(killed?.signal).toBe('SIGKILL');
      const survivors = IDS.filter((id) => id !== leader);
      const next = await agreedLeader(cluster, survivors, 15_000, leader);
      expect(next).not.toBe(leader);
      for (let i = 0; i < 20; i++) {
        await client.set(`after-${i}`, `w${i}`);
        acknowledged.set(`after-${i}`, `w${i}`);
      }
    } finally {
      await client.close();
    }
    // The killed process comes back on the same ports from the same files and data dir.
    const restarted = startNodeProcess(cluster, leader);
    processes.set(leader, restarted);
    await restarted.waitReady();
    expect(restarted.logs().some((line) => /did not stop cleanly/.test(line.msg))).toBe(true);
    for (const id of IDS) await nodeHolds(cluster, id, acknowledged, 20_000);
    if (hasRedisCli()) {
      for (const id of IDS) {
        const { redis } = at(cluster, id);
        const keys = [...acknowledged.keys()];
        const values = redisCli('127.0.0.1', redis, ['MGET', ...keys]).split('\n');
        expect(values, `redis-cli MGET on node ${id}`).toEqual(keys.map((key) => acknowledged.get(key)));
      }
    } else {
      console.log('redis-cli not installed: the redis-cli reads are skipped (the TS client read every node)');
    }
    const { http } = at(cluster, leader);
    const answer = (await (await fetch(`http://127.0.0.1:${http}/v1/kv/after-19`)).json()) as { value: string };
    expect(answer.value).toBe('w19');
  }, 90_000);

  it('refuses a client command on the Raft peer port, says so and logs it', async () => {
    const { peer } = at(cluster, 1);
    const reply = await new Promise<string>((resolve, reject) => {
      import('node:net').then(({ connect }) => {
        const socket = connect(peer, '127.0.0.1', () => socket.write('SET stolen 1\r\n'));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
        socket.setTimeout(8_000, () => socket.destroy(new Error('no refusal in time')));
      }, reject);
    });
    expect(reply).toMatch(/^-ERR kv-sim peer port: .*only speaks the kv-sim peer protocol\r\n$/);
    await processes.get(1)?.waitForLog((line) => line.msg === 'refused a connection on the peer port', 5_000, 'the refusal in the log');
    const status = await controlStatus(cluster, 1);
    const client = new KvClient({ nodes: [`127.0.0.1:${at(cluster, 1).redis}`] });
    try {
      expect(await client.get('stolen')).toBeNull();
    } finally {
      await client.close();
    }
    expect(status.id).toBe(1);
  }, 30_000);

  it('kv-sim ctl isolates a node on every node, and heal lets it catch up', async () => {
    const status = await ctl('status');
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/^id\s+role\s+term\s+commit/m);
    expect(status.out.match(/^[123]\s+(leader|follower)/gm)).toHaveLength(3);
    const leader = await agreedLeader(cluster, IDS, 15_000);
    const cut = IDS.find((id) => id !== leader) as number;
    const isolated = await ctl('isolate', String(cut));
    expect(isolated.out.trim()).toBe(`node ${cut} isolated`);
    for (const id of IDS) expect((await controlStatus(cluster, id)).linkRules.cuts).toHaveLength(4);
    const before = (await controlStatus(cluster, cut)).status.commitIndex;
    const majority = IDS.filter((id) => id !== cut);
    const client = new KvClient({ nodes: majority.map((id) => `127.0.0.1:${at(cluster, id).redis}`), timeoutMs: 10_000 });
    const written = new Map<string, string>();
    try {
      for (let i = 0; i < 10; i++) {
        await client.set(`cut-${i}`, `c${i}`);
        written.set(`cut-${i}`, `c${i}`);
      }
    } finally {
      await client.close();
    }
    expect((await controlStatus(cluster, cut)).status.commitIndex).toBe(before);
    const healed = await ctl('heal');
    expect(healed.code).toBe(0);
    await nodeHolds(cluster, cut, written, 15_000);
    // The rest of the vocabulary reaches every node's rules the same way.
    expect((await ctl('link', '1', '2', 'delay=5', 'loss=0.01')).out.trim()).toBe('link 1-2: delayMs=5 lossRate=0.01');
    expect((await ctl('oneway', '1', '3')).out.trim()).toBe('messages from 1 to 3 are dropped');
    for (const id of IDS) {
      const rules = (await controlStatus(cluster, id)).linkRules;
      expect(rules.cuts).toEqual([[1, 3]]);
      expect(rules.links.map((link) => [link.from, link.to, link.settings.delayMs])).toEqual([[1, 2, 5], [2, 1, 5]]);
    }
    expect((await ctl('heal')).code).toBe(0);
    expect((await ctl('link', '1', '2', 'reset')).code).toBe(0);
    for (const id of IDS) expect((await controlStatus(cluster, id)).linkRules).toEqual({ cuts: [], links: [] });
    const refused = await ctl('crash', '1');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/ctl cannot crash node 1/);
  }, 60_000);

  it('the control plane refuses a wrong token, unknown nodes and bad bodies with clear errors', async () => {
    const base = `http://127.0.0.1:${at(cluster, 2).control}/control`;
    const auth = { authorization: `Bearer ${cluster.token}`, 'content-type': 'application/json' };
    const post = async (verb: string, body: string, headers: Record<string, string> = auth) => {
      const response = await fetch(`${base}/${verb}`, { method: 'POST', headers, body });
      return { status: response.status, body: (await response.json()) as { error?: string } };
    };
    expect((await post('heal', '{}', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect(await post('isolate', '{"node": 9}')).toEqual({ status: 400, body: { error: '9 is not a member (members: 1, 2, 3)' } });
    expect((await post('partition', 'not json')).body.error).toBe('body must be JSON');
    expect((await post('link', '{"a": 1, "b": 2, "settings": {"lossRate": 2}}')).body.error).toMatch(/lossRate must be a number in \[0, 1\]/);
    expect(await post('link', '{"a": 1, "b": 3, "settings": {"delayMs": 3000000000}}')).toEqual({
      status: 400,
      body: { error: 'delayMs must be at most 3600000 ms (one hour), got 3000000000' },
    });
    expect((await post('frobnicate', '{}')).status).toBe(404);
    const wrongToken = await runCliAsync(['ctl', '--endpoints', `127.0.0.1:${at(cluster, 2).control}`, '--token', 'wrong', 'heal']);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.out).toMatch(/heal applied on 0 of 1 nodes; not on 127\.0\.0\.1:\d+: missing or wrong control token/);
    // Nothing changed anywhere.
    expect((await controlStatus(cluster, 2)).linkRules).toEqual({ cuts: [], links: [] });
  }, 30_000);

  it('stops cleanly on SIGTERM (exit 0) and releases its data dir', async () => {
    for (const id of IDS) {
      const node = processes.get(id) as NodeProcess;
      const exit = await node.kill('SIGTERM');
      expect(exit, node.tail()).toEqual({ code: 0, signal: null });
      expect(node.logs().some((line) => line.msg === 'node stopped')).toBe(true);
    }
    // The next start finds no previous owner to recover from.
    const again = startNodeProcess(cluster, 1);
    processes.set(1, again);
    await again.waitReady();
    expect(again.logs().some((line) => /did not stop cleanly/.test(line.msg))).toBe(false);
    expect(await eventually(async () => ((await controlStatus(cluster, 1)).status.lastIndex > 40 ? true : null), 10_000, "node 1 to read its log back")).toBe(true);
  }, 60_000);
});
