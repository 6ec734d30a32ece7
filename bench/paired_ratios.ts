/**
 * The targets' ratios measured in back-to-back pairs: Redis (or etcd) runs, then kv-sim runs the
 * same case at once, `pairs` times over, with all three systems up the whole time. Each row gives
 * the median of both sides and the median of the per-pair ratios. Why pairs: on a shared host the
 * disk and the CPU drift over minutes (Redis's fsynced SET measured 14k–56k/s in different runs of
 * this bench on one machine), so two figures taken minutes apart compare the moments as much as
 * the systems.
 */
import { startCluster } from '../src/index.js';
import { startEtcdReference } from './etcd_reference.js';
import { ownCpuUs, processCpuUs, runRedisBenchmark, type RedisBenchmarkResult } from './redis_benchmark.js';
import { startRedisReference } from './redis_reference.js';
import type { BenchRow } from './report.js';
import { median } from './stats.js';
import { preload, requestsFor, runWrk } from './wrk_bench.js';

export interface PairedProfile {
  pairs: number;
  /** redis-benchmark -n per run, for Redis and for kv-sim. */
  redisRequests: number;
  kvSimRequests: number;
  wrkDurationS: number;
}

export interface PairedTools {
  redisServer: string | null;
  redisBenchmark: string | null;
  etcd: string | null;
  wrk: string | null;
}

const SETUP = '3 nodes, channel, fsync always, leader';
const TOOL_TIMEOUT_MS = 180_000;

/** Per-pair figures of one case: [reference, kv-sim] requests per second. */
type Pairs = Array<[number, number]>;

export function pairedRow(caseName: string, referenceName: string, pairs: Pairs): BenchRow {
  const ratios = pairs.map(([reference, kvSim]) => kvSim / reference);
  const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x`;
  return {
    section: 'paired',
    setup: SETUP,
    case: caseName,
    value: median(pairs.map(([, kvSim]) => kvSim)),
    unit: 'req/s',
    reference: { name: referenceName, value: median(pairs.map(([reference]) => reference)) },
    note: `median of ${pairs.length} pair ratios ${median(ratios).toFixed(2)}x (${range})`,
  };
}

export async function benchPairedRatios(tools: PairedTools, profile: PairedProfile, log: (line: string) => void): Promise<BenchRow[]> {
  const withRedis = tools.redisServer !== null && tools.redisBenchmark !== null;
  const withEtcd = tools.etcd !== null && tools.wrk !== null;
  if (!withRedis && !withEtcd) return [];
  const stops: Array<() => Promise<void>> = [];
  try {
    const cluster = await startCluster({ nodes: 3, transport: 'channel', fsync: 'always', seed: 1, logLevel: 'error' });
    stops.push(() => cluster.stop());
    const leader = await cluster.waitForLeader({ timeoutMs: 30_000 });
    const kvSimRedis = new URL(cluster.endpoints(leader).redis);
    const redis = withRedis ? await startRedisReference(tools.redisServer as string) : null;
    if (redis !== null) stops.push(() => redis.stop());
    if (withEtcd) log('paired ratios: starting etcd');
    const etcd = withEtcd ? await startEtcdReference(tools.etcd as string) : null;
    if (etcd !== null) stops.push(() => etcd.stop());
    const kvSimHttp = cluster.endpoints(leader).http;
    if (etcd !== null && kvSimHttp !== null) {
      await preload(etcd.leaderUrl, requestsFor('etcd', 'put'));
      await preload(kvSimHttp, requestsFor('kv-sim', 'put'));
    }

    const set: Pairs = [];
    const get: Pairs = [];
    const put: Pairs = [];
    const range: Pairs = [];
    for (let pair = 1; pair <= profile.pairs; pair++) {
      if (redis !== null) {
        log(`paired ratios ${pair}/${profile.pairs}: redis-benchmark -c 64 on Redis, then on kv-sim`);
        const bench = (host: string, port: number, requests: number, cpuUs: () => number): Promise<RedisBenchmarkResult> =>
          runRedisBenchmark(tools.redisBenchmark as string, { host, port, clients: 64, pipeline: 1, requests, timeoutMs: TOOL_TIMEOUT_MS, cpuUs });
        const reference = await bench(redis.host, redis.port, profile.redisRequests, () => processCpuUs(redis.pid));
        const ours = await bench(kvSimRedis.hostname, Number(kvSimRedis.port), profile.kvSimRequests, ownCpuUs);
        set.push([reference.set.requestsPerSecond, ours.set.requestsPerSecond]);
        get.push([reference.get.requestsPerSecond, ours.get.requestsPerSecond]);
      }
      if (etcd !== null && kvSimHttp !== null) {
        log(`paired ratios ${pair}/${profile.pairs}: wrk on etcd, then on kv-sim`);
        for (const [operation, pairs] of [['put', put], ['get', range]] as const) {
          const options = { connections: 64, threads: 2, durationS: profile.wrkDurationS };
          const reference = await runWrk(tools.wrk as string, requestsFor('etcd', operation), { ...options, baseUrl: etcd.leaderUrl });
          const ours = await runWrk(tools.wrk as string, requestsFor('kv-sim', operation), { ...options, baseUrl: kvSimHttp });
          pairs.push([reference.requestsPerSecond, ours.requestsPerSecond]);
        }
      }
    }
    const rows: BenchRow[] = [];
    if (set.length > 0) rows.push(pairedRow('SET -c 64 (redis-benchmark)', 'Redis', set), pairedRow('GET -c 64 (redis-benchmark)', 'Redis', get));
    if (put.length > 0) rows.push(pairedRow('PUT (wrk, 64 connections)', 'etcd', put), pairedRow('linearizable GET (wrk, 64 connections)', 'etcd', range));
    return rows;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
