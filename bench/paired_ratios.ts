/**
 * The targets' ratios measured in back-to-back pairs: Redis (or etcd) and kv-sim run the same case
 * one right after the other (the order alternates), `pairs` times over, with all three systems up
 * the whole time. Each row gives both medians and the median of the per-pair ratios. Why pairs: on a shared host the
 * disk and the CPU drift over minutes (Redis's fsynced SET measured 14k–56k/s in different runs of
 * this bench on one machine), so two figures taken minutes apart compare the moments as much as
 * the systems.
 */
import { startCluster } from '../src/index.js';
import { startEtcdReference } from './etcd_reference.js';
import { ownCpuUs, processCpuUs, runRedisBenchmark, type RedisBenchmarkResult } from './redis_benchmark.js';
import { startRedisReference } from './redis_reference.js';
import type { BenchRow } from './report.js';
import { formatRate, median } from './stats.js';
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

/** The kv-sim median as the value; the ratio is the median of the pair ratios, not of the medians. */
export function pairedRow(caseName: string, referenceName: string, pairs: Pairs): BenchRow {
  const ratios = pairs.map(([reference, kvSim]) => kvSim / reference);
  const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x`;
  const referenceMedian = formatRate(median(pairs.map(([reference]) => reference)));
  return {
    section: 'paired',
    setup: SETUP,
    case: caseName,
    value: median(pairs.map(([, kvSim]) => kvSim)),
    unit: 'req/s',
    note: `${referenceName} ${referenceMedian}; ratio ${median(ratios).toFixed(2)}x (pairs ${range})`,
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
      // Odd pairs run the reference first, even pairs kv-sim first: what one run leaves behind
      // (a busy disk, a warm cache) does not always land on the same side.
      const inOrder = async <T>(reference: () => Promise<T>, ours: () => Promise<T>): Promise<[T, T]> => {
        if (pair % 2 === 1) return [await reference(), await ours()];
        const oursFirst = await ours();
        return [await reference(), oursFirst];
      };
      if (redis !== null) {
        log(`paired ratios ${pair}/${profile.pairs}: redis-benchmark -c 64 on Redis and on kv-sim`);
        const bench = (host: string, port: number, requests: number, cpuUs: () => number): Promise<RedisBenchmarkResult> =>
          runRedisBenchmark(tools.redisBenchmark as string, { host, port, clients: 64, pipeline: 1, requests, timeoutMs: TOOL_TIMEOUT_MS, cpuUs });
        const [reference, ours] = await inOrder(
          () => bench(redis.host, redis.port, profile.redisRequests, () => processCpuUs(redis.pid)),
          () => bench(kvSimRedis.hostname, Number(kvSimRedis.port), profile.kvSimRequests, ownCpuUs),
        );
        set.push([reference.set.requestsPerSecond, ours.set.requestsPerSecond]);
        get.push([reference.get.requestsPerSecond, ours.get.requestsPerSecond]);
      }
      if (etcd !== null && kvSimHttp !== null) {
        log(`paired ratios ${pair}/${profile.pairs}: wrk on etcd and on kv-sim`);
        for (const [operation, pairs] of [['put', put], ['get', range]] as const) {
          const options = { connections: 64, threads: 2, durationS: profile.wrkDurationS };
          const [reference, ours] = await inOrder(
            () => runWrk(tools.wrk as string, requestsFor('etcd', operation), { ...options, baseUrl: etcd.leaderUrl }),
            () => runWrk(tools.wrk as string, requestsFor('kv-sim', operation), { ...options, baseUrl: kvSimHttp }),
          );
          pairs.push([reference.requestsPerSecond, ours.requestsPerSecond]);
        }
      }
    }
    const rows: BenchRow[] = [];
    if (set.length > 0) rows.push(pairedRow('SET -c 64 (redis-benchmark)', 'Redis', set), pairedRow('GET -c 64 (redis-benchmark)', 'Redis', get));
    if (put.length > 0) rows.push(pairedRow('PUT (wrk, 64 connections)', 'etcd', put), pairedRow('linearizable GET (wrk, 64 connections)', 'etcd', range));
    return rows;
  } finally {
    // Stop everything even if one stop fails; a failure is logged, the run's own error wins.
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`paired ratios: stopping failed: ${String(error)}`));
  }
}
