/**
 * The reference systems of one bench run: Redis under redis-benchmark and etcd under wrk, each
 * started fresh on loopback ports and stopped after its rows. Missing tools skip their rows.
 */
import type { BenchRow } from './report.js';
import type { References } from './cluster_bench.js';
import { startEtcdReference } from './etcd_reference.js';
import type { ToolName } from './proc.js';
import { processCpuUs, runRedisBenchmark } from './redis_benchmark.js';
import { startRedisReference } from './redis_reference.js';
import { preload, requestsFor, runWrk } from './wrk_bench.js';

export interface ReferenceProfile {
  /** redis-benchmark -n for -P 1 and -P 16 (Redis is fast: more requests for a steady figure). */
  redisRequestsPipelined1: number;
  redisRequestsPipelined16: number;
  wrkDurationS: number;
}

const TOOL_TIMEOUT_MS = 180_000;

const cpu = (us: number | undefined): { cpuUsPerRequest?: number } => (us === undefined || Number.isNaN(us) ? {} : { cpuUsPerRequest: us });

export async function benchReferences(
  tools: Record<ToolName, string | null>,
  profile: ReferenceProfile,
  log: (line: string) => void,
  fail: (what: string, error: unknown) => void,
): Promise<{ references: References; rows: BenchRow[] }> {
  const references: References = { redis: new Map(), etcd: new Map() };
  const rows: BenchRow[] = [];
  if (tools['redis-server'] !== null && tools['redis-benchmark'] !== null) {
    try {
      const redis = await startRedisReference(tools['redis-server']);
      try {
        for (const pipeline of [1, 16]) {
          log(`Redis: redis-benchmark -P ${pipeline}`);
          const requests = pipeline > 1 ? profile.redisRequestsPipelined16 : profile.redisRequestsPipelined1;
          const result = await runRedisBenchmark(tools['redis-benchmark'], { host: redis.host, port: redis.port, clients: 64, pipeline, requests, timeoutMs: TOOL_TIMEOUT_MS, cpuUs: () => processCpuUs(redis.pid) });
          references.redis.set(pipeline, result);
          for (const command of ['set', 'get'] as const) {
            const f = result[command];
            rows.push({ section: 'redis-benchmark', setup: 'Redis 7, appendonly, appendfsync always', case: `${command.toUpperCase()} -c 64${pipeline > 1 ? ` -P ${pipeline}` : ''}`, value: f.requestsPerSecond, unit: 'req/s', p50Ms: f.p50Ms, p99Ms: f.p99Ms, ...cpu(f.cpuUsPerRequest) });
          }
        }
      } finally {
        await redis.stop();
      }
    } catch (error) {
      fail('Redis reference', error);
    }
  }
  if (tools.etcd !== null && tools.wrk !== null) {
    try {
      log('etcd: starting 3 members');
      const etcd = await startEtcdReference(tools.etcd);
      try {
        await preload(etcd.leaderUrl, requestsFor('etcd', 'put'));
        for (const operation of ['put', 'get'] as const) {
          log(`etcd: wrk ${operation}`);
          const r = await runWrk(tools.wrk, requestsFor('etcd', operation), { baseUrl: etcd.leaderUrl, connections: 64, threads: 2, durationS: profile.wrkDurationS });
          references.etcd.set(operation, r);
          rows.push({
            section: 'http', setup: 'etcd 3 members, JSON gateway', case: operation === 'put' ? 'POST /v3/kv/put, leader' : 'POST /v3/kv/range (linearizable), leader',
            value: r.requestsPerSecond, unit: 'req/s', p50Ms: r.p50Ms, p99Ms: r.p99Ms, p999Ms: r.p999Ms, ...(r.errors > 0 ? { note: `${r.errors} errors` } : {}),
          });
        }
      } finally {
        await etcd.stop();
      }
    } catch (error) {
      fail('etcd reference', error);
    }
  }
  return { references, rows };
}
