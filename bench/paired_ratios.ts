/**
 * The targets' ratios measured in back-to-back runs: Redis (or etcd) and kv-sim run the same case
 * one right after the other (the order alternates), `pairs` times over, with every system up the
 * whole time. Each row gives both medians and the median of the per-pair ratios. Why pairs: on a
 * shared host the disk and the CPU drift over minutes (Redis's fsynced SET measured 14k–56k/s in
 * different runs of this bench on one machine), so two figures taken minutes apart compare the
 * moments as much as the systems.
 *
 * SET runs on three systems in rotation, Redis, the replication floor (replication_floor.ts: a
 * minimal design of kv-sim's shape, without Raft, SQLite or a state machine) and kv-sim: floor/Redis
 * is what that shape gets on this host, kv-sim/floor what kv-sim makes of it. Last, once, all three
 * take SETs in an open loop at half kv-sim's peak, for their p99.
 */
import { startCluster } from '../src/index.js';
import { startEtcdReference } from './etcd_reference.js';
import { runRedisBenchmarkTest } from './redis_benchmark.js';
import { startRedisReference } from './redis_reference.js';
import { startReplicationFloor } from './replication_floor.js';
import type { BenchRow } from './report.js';
import { runRespLoad } from './resp_load.js';
import { formatRate, median } from './stats.js';
import { preload, requestsFor, runWrk } from './wrk_bench.js';

export interface PairedProfile {
  pairs: number;
  /** redis-benchmark -n per run, for Redis and for kv-sim (and the floor), unpipelined; -P 16 runs take 10 times as many. */
  redisRequests: number;
  kvSimRequests: number;
  wrkDurationS: number;
  /** Each run of the open-loop latency rows (a closed loop for the peak, then the open loop). */
  loadDurationMs: number;
}

export interface PairedTools {
  redisServer: string | null;
  redisBenchmark: string | null;
  etcd: string | null;
  wrk: string | null;
}

const SETUP = '3 nodes, channel, fsync always, leader';
const FLOOR_SETUP = 'replication floor: 3 threads, fsync always';
const TOOL_TIMEOUT_MS = 180_000;

/** Per-pair figures of one case: [reference, kv-sim] requests per second. */
type Pairs = Array<[number, number]>;

/** The kv-sim median (or, with another setup, that system's) as the value; the ratio is the median of the pair ratios, not of the medians. */
export function pairedRow(caseName: string, referenceName: string, pairs: Pairs, setup = SETUP): BenchRow {
  const ratios = pairs.map(([reference, kvSim]) => kvSim / reference);
  const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x`;
  const referenceMedian = formatRate(median(pairs.map(([reference]) => reference)));
  return {
    section: 'paired',
    setup,
    case: caseName,
    value: median(pairs.map(([, kvSim]) => kvSim)),
    unit: 'req/s',
    note: `${referenceName} ${referenceMedian}; ratio ${median(ratios).toFixed(2)}x (pairs ${range})`,
  };
}

/** A server redis-benchmark runs against, with the requests per unpipelined run it gets. */
interface BenchedSystem {
  at: { host: string; port: number };
  requests: number;
}

/** Requests per SET -c 64 -P 16 run, as a multiple of the unpipelined runs' (so each takes a few seconds too). */
const PIPELINED_REQUESTS_FACTOR = 10;

/** Figures of Redis, the floor and kv-sim, in that order. */
type Triple = [number, number, number];

/**
 * Runs `each` on the three systems one after the other, starting with a different one each round:
 * what one run leaves behind (a busy disk, a warm cache) does not always land on the same one.
 */
async function inRotation(round: number, systems: [BenchedSystem, BenchedSystem, BenchedSystem], each: (system: BenchedSystem) => Promise<number>): Promise<Triple> {
  const results: Triple = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const at = (round - 1 + i) % 3;
    results[at] = await each(systems[at] as BenchedSystem);
  }
  return results;
}

/** kv-sim against Redis, the floor against Redis (what the shape gets on this host), kv-sim against the floor (what kv-sim makes of it). */
function tripleRows(caseName: string, triples: Triple[]): BenchRow[] {
  return [
    pairedRow(caseName, 'Redis', triples.map(([redis, , kvSim]) => [redis, kvSim])),
    pairedRow(caseName, 'Redis', triples.map(([redis, floor]) => [redis, floor]), FLOOR_SETUP),
    pairedRow(`${caseName}, against the floor`, 'the floor', triples.map(([, floor, kvSim]) => [floor, kvSim])),
  ];
}

/** SETs sent on a schedule at `rate` whatever the replies do: the figure is their p99. */
async function openLoopLatencyRow(setup: string, caseName: string, at: { host: string; port: number }, rate: number, durationMs: number): Promise<BenchRow> {
  const open = await runRespLoad({ ...at, command: 'set', clients: 64, ratePerSecond: rate, durationMs, warmupMs: 300 });
  return {
    section: 'paired', setup, case: caseName, value: open.p99Ms, unit: 'ms p99', p50Ms: open.p50Ms, p99Ms: open.p99Ms, p999Ms: open.p999Ms,
    ...(open.errors > 0 ? { note: `${open.errors} error replies` } : {}),
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
    const floor = withRedis ? await startReplicationFloor() : null;
    if (floor !== null) stops.push(() => floor.stop());
    if (withEtcd) log('paired ratios: starting etcd');
    const etcd = withEtcd ? await startEtcdReference(tools.etcd as string) : null;
    if (etcd !== null) stops.push(() => etcd.stop());
    const kvSimHttp = cluster.endpoints(leader).http;
    if (etcd !== null && kvSimHttp !== null) {
      await preload(etcd.leaderUrl, requestsFor('etcd', 'put'));
      await preload(kvSimHttp, requestsFor('kv-sim', 'put'));
    }

    const get: Pairs = [];
    /** Per round, unpipelined and with -P 16. */
    const setTriples: Triple[] = [];
    const pipelinedTriples: Triple[] = [];
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
      if (redis !== null && floor !== null) {
        log(`paired ratios ${pair}/${profile.pairs}: redis-benchmark -c 64 on Redis, the replication floor and kv-sim`);
        const redisSystem: BenchedSystem = { at: redis, requests: profile.redisRequests };
        const floorSystem: BenchedSystem = { at: floor, requests: profile.redisRequests };
        const kvSimSystem: BenchedSystem = { at: { host: kvSimRedis.hostname, port: Number(kvSimRedis.port) }, requests: profile.kvSimRequests };
        const bench = (system: BenchedSystem, test: 'set' | 'get', pipeline: number): Promise<number> =>
          runRedisBenchmarkTest(
            tools.redisBenchmark as string,
            { ...system.at, clients: 64, pipeline, requests: system.requests * (pipeline > 1 ? PIPELINED_REQUESTS_FACTOR : 1), timeoutMs: TOOL_TIMEOUT_MS },
            test,
          ).then((figures) => figures.requestsPerSecond);
        setTriples.push(await inRotation(pair, [redisSystem, floorSystem, kvSimSystem], (system) => bench(system, 'set', 1)));
        get.push(await inOrder(() => bench(redisSystem, 'get', 1), () => bench(kvSimSystem, 'get', 1)));
        log(`paired ratios ${pair}/${profile.pairs}: redis-benchmark -c 64 -P 16 SET on the three`);
        pipelinedTriples.push(await inRotation(pair, [redisSystem, floorSystem, kvSimSystem], (system) => bench(system, 'set', 16)));
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
    if (redis !== null && floor !== null) {
      const kvSim = { host: kvSimRedis.hostname, port: Number(kvSimRedis.port) };
      const peak = await runRespLoad({ ...kvSim, command: 'set', clients: 256, durationMs: profile.loadDurationMs, warmupMs: 300 });
      const rate = Math.round(peak.requestsPerSecond / 2);
      log(`paired ratios: SET latency in an open loop at ${formatRate(rate)}, half kv-sim's peak, on the three`);
      const caseName = `SET latency, open loop at ${formatRate(rate)} (half kv-sim's peak of ${formatRate(peak.requestsPerSecond)})`;
      for (const [setup, at] of [['Redis (appendfsync always)', redis], [FLOOR_SETUP, floor], [SETUP, kvSim]] as const) {
        rows.push(await openLoopLatencyRow(setup, caseName, at, rate, profile.loadDurationMs));
      }
    }
    if (setTriples.length > 0) {
      rows.push(...tripleRows('SET -c 64 (redis-benchmark)', setTriples), pairedRow('GET -c 64 (redis-benchmark)', 'Redis', get));
      rows.push(...tripleRows('SET -c 64 -P 16 (redis-benchmark)', pipelinedTriples));
    }
    if (put.length > 0) rows.push(pairedRow('PUT (wrk, 64 connections)', 'etcd', put), pairedRow('linearizable GET (wrk, 64 connections)', 'etcd', range));
    return rows;
  } finally {
    // Stop everything even if one stop fails; a failure is logged, the run's own error wins.
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`paired ratios: stopping failed: ${String(error)}`));
  }
}
