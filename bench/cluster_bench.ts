/**
 * kv-sim under load: one emulated cluster per setup (nodes, transport, fsync), driven through its
 * client ports by redis-benchmark, our own RESP load generator and wrk, against the leader and a
 * follower (which forwards to the leader). Rows carry the reference figures of the same run.
 */
import { startCluster, type Cluster, type FsyncPolicy, type NodeId } from '../src/index.js';
import type { BenchRow } from './report.js';
import { ownCpuUs, runRedisBenchmark, type RedisBenchmarkResult } from './redis_benchmark.js';
import { runRespLoad, type LoadResult } from './resp_load.js';
import { median } from './stats.js';
import { preload, requestsFor, runWrk, type WrkResult } from './wrk_bench.js';

export interface ClusterSetup {
  nodes: number;
  transport: 'channel' | 'tcp';
  fsync: FsyncPolicy;
  /** The main setup gets every row; the others the rows that compare setups. */
  allRows: boolean;
}

export interface References {
  /** redis-benchmark on Redis, by pipeline depth. */
  redis: Map<number, RedisBenchmarkResult>;
  /** wrk on etcd, by operation. */
  etcd: Map<'put' | 'get', WrkResult>;
}

export interface LoadProfile {
  repeats: number;
  /** redis-benchmark -n for -P 1 and -P 16 against kv-sim. */
  requestsPipelined1: number;
  requestsPipelined16: number;
  loadDurationMs: number;
  loadClients: number[];
  wrkDurationS: number;
  /** Also run the redis-benchmark rows against a follower (it forwards to the leader). */
  follower: boolean;
  /** Run our own RESP load generator rows. */
  respLoad: boolean;
}

export interface Tools {
  redisBenchmark: string | null;
  wrk: string | null;
}

const TOOL_TIMEOUT_MS = 180_000;

export function setupName(s: ClusterSetup): string {
  return `${s.nodes} nodes, ${s.transport}, fsync ${s.fsync}`;
}

/** The run with the median throughput of `repeats` runs (its latencies go with it). */
async function medianRun<T>(repeats: number, run: () => Promise<T>, rate: (t: T) => number): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await run());
  const middle = median(runs.map(rate));
  return runs.find((r) => rate(r) === middle) as T;
}

export async function benchClusterSetup(setup: ClusterSetup, profile: LoadProfile, tools: Tools, references: References, log: (line: string) => void): Promise<BenchRow[]> {
  const cluster = await startCluster({ nodes: setup.nodes, transport: setup.transport, fsync: setup.fsync, seed: 1, logLevel: 'error' });
  const rows: BenchRow[] = [];
  // Every node reports the leader it learns: count terms, not events (the first election is no change).
  const leaderTerms = new Set<number>();
  const unsubscribe = cluster.on('leader-changed', (e) => {
    if (e.leader !== 0) leaderTerms.add(e.term);
  });
  try {
    const leader = await cluster.waitForLeader({ timeoutMs: 30_000 });
    const follower = cluster.nodeIds.find((id) => id !== leader) as NodeId;
    const name = setupName(setup);
    if (tools.redisBenchmark !== null) {
      const targets: Array<['leader' | 'follower', NodeId]> = [['leader', leader]];
      if (setup.allRows && profile.follower) targets.push(['follower', follower]);
      for (const pipeline of [1, 16]) {
        for (const [role, node] of targets) {
          log(`${name}: redis-benchmark -P ${pipeline} against the ${role}`);
          const result = await medianRun(profile.repeats, () => redisBenchmark(cluster, node, tools.redisBenchmark as string, pipeline, profile), (r) => r.set.requestsPerSecond);
          const reference = references.redis.get(pipeline);
          for (const command of ['set', 'get'] as const) {
            const figures = result[command];
            const ref = reference?.[command].requestsPerSecond;
            rows.push({
              section: 'redis-benchmark', setup: name, case: `${command.toUpperCase()} -c 64${pipeline > 1 ? ` -P ${pipeline}` : ''}, ${role}`,
              value: figures.requestsPerSecond, unit: 'req/s', p50Ms: figures.p50Ms, p99Ms: figures.p99Ms,
              ...(figures.cpuUsPerRequest === undefined ? {} : { cpuUsPerRequest: figures.cpuUsPerRequest }),
              ...(ref === undefined ? {} : { reference: { name: 'Redis', value: ref } }),
            });
          }
        }
      }
    }
    if (setup.allRows) {
      if (profile.respLoad) rows.push(...(await respLoadRows(cluster, leader, name, profile, log)));
      if (tools.wrk !== null) rows.push(...(await wrkRows(cluster, leader, name, profile, tools.wrk, references, log)));
    }
  } finally {
    unsubscribe();
    await cluster.stop();
  }
  const leaderChanges = leaderTerms.size - 1;
  if (leaderChanges > 0) for (const row of rows) row.note = [row.note, `${leaderChanges} leader change(s) during this setup's runs`].filter(Boolean).join('; ');
  return rows;
}

function redisBenchmark(cluster: Cluster, node: NodeId, tool: string, pipeline: number, profile: LoadProfile): Promise<RedisBenchmarkResult> {
  const url = new URL(cluster.endpoints(node).redis);
  const requests = pipeline > 1 ? profile.requestsPipelined16 : profile.requestsPipelined1;
  return runRedisBenchmark(tool, { host: url.hostname, port: Number(url.port), clients: 64, pipeline, requests, timeoutMs: TOOL_TIMEOUT_MS, cpuUs: ownCpuUs });
}

async function respLoadRows(cluster: Cluster, leader: NodeId, name: string, profile: LoadProfile, log: (line: string) => void): Promise<BenchRow[]> {
  const url = new URL(cluster.endpoints(leader).redis);
  const base = { host: url.hostname, port: Number(url.port), durationMs: profile.loadDurationMs, warmupMs: 300 };
  const rows: BenchRow[] = [];
  const row = (caseName: string, r: LoadResult): BenchRow => ({
    section: 'resp-load', setup: name, case: caseName, value: r.requestsPerSecond, unit: 'req/s', p50Ms: r.p50Ms, p99Ms: r.p99Ms, p999Ms: r.p999Ms,
    ...(r.errors > 0 ? { note: `${r.errors} error replies` } : {}),
  });
  let peakSet = 0;
  for (const clients of profile.loadClients) {
    log(`${name}: RESP load, SET, ${clients} clients`);
    const r = await medianRun(profile.repeats, () => runRespLoad({ ...base, command: 'set', clients }), (x) => x.requestsPerSecond);
    peakSet = Math.max(peakSet, r.requestsPerSecond);
    rows.push(row(`SET, ${clients} clients, leader`, r));
  }
  log(`${name}: RESP load, GET, 64 clients`);
  rows.push(row('GET (linearizable), 64 clients, leader', await medianRun(profile.repeats, () => runRespLoad({ ...base, command: 'get', clients: 64 }), (x) => x.requestsPerSecond)));
  // The peak comes from the most concurrent closed loop; an open loop has fewer requests in
  // flight, so smaller batches: a quarter of the peak shows latency well below saturation.
  for (const [label, divisor] of [['half', 2], ['a quarter of', 4]] as const) {
    const rate = Math.round(peakSet / divisor);
    log(`${name}: RESP load, SET open loop at ${rate}/s`);
    const open = await medianRun(profile.repeats, () => runRespLoad({ ...base, command: 'set', clients: 64, ratePerSecond: rate }), (x) => -x.p99Ms);
    rows.push(row(`SET open loop at ${label} the peak (${rate}/s), leader`, open));
  }
  return rows;
}

async function wrkRows(cluster: Cluster, leader: NodeId, name: string, profile: LoadProfile, tool: string, references: References, log: (line: string) => void): Promise<BenchRow[]> {
  const baseUrl = cluster.endpoints(leader).http;
  if (baseUrl === null) return [];
  await preload(baseUrl, requestsFor('kv-sim', 'put'));
  const rows: BenchRow[] = [];
  for (const operation of ['put', 'get'] as const) {
    log(`${name}: wrk ${operation.toUpperCase()}`);
    const r = await medianRun(profile.repeats, () => runWrk(tool, requestsFor('kv-sim', operation), { baseUrl, connections: 64, threads: 2, durationS: profile.wrkDurationS }), (x) => x.requestsPerSecond);
    const ref = references.etcd.get(operation)?.requestsPerSecond;
    rows.push({
      section: 'http', setup: name, case: operation === 'put' ? 'PUT /v1/kv/{key}, leader' : 'GET /v1/kv/{key} (linearizable), leader',
      value: r.requestsPerSecond, unit: 'req/s', p50Ms: r.p50Ms, p99Ms: r.p99Ms, p999Ms: r.p999Ms,
      ...(ref === undefined ? {} : { reference: { name: 'etcd', value: ref } }),
      ...(r.errors > 0 ? { note: `${r.errors} errors` } : {}),
    });
  }
  return rows;
}
