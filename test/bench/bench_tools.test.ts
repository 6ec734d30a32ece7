import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pairedRow } from '../../bench/paired_ratios.js';
import { parseCsv } from '../../bench/redis_benchmark.js';
import { renderMarkdown, type BenchReport } from '../../bench/report.js';
import { scanCommands } from '../../bench/replication_floor.js';
import { runRespLoad } from '../../bench/resp_load.js';
import { luaScript, parseWrk, requestsFor } from '../../bench/wrk_bench.js';

describe('bench: reading the tools', () => {
  it('reads rates and latencies from redis-benchmark --csv', () => {
    const csv = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"SET","77000.50","0.800","0.100","0.700","1.200","2.500","9.000"',
      '"GET","91000.00","0.600","0.100","0.500","1.000","1.900","8.000"',
    ].join('\n');
    const figures = parseCsv(csv);
    expect(figures.get('SET')).toEqual({ requestsPerSecond: 77000.5, p50Ms: 0.7, p99Ms: 2.5 });
    expect(figures.get('GET')?.requestsPerSecond).toBe(91000);
  });

  it('sums up back-to-back pairs by medians, and the median and range of the pair ratios', () => {
    // The reference drifts between pairs; each pair's ratio is taken within the pair.
    const row = pairedRow('SET', 'Redis', [[40_000, 10_000], [20_000, 9_000], [30_000, 12_000]]);
    expect(row).toMatchObject({ section: 'paired', value: 10_000 });
    expect(row.note).toBe('Redis 30.0k/s; ratio 0.40x (pairs 0.25–0.45x)');
  });

  it('the replication floor counts whole commands only, however the stream is split, and answers PING with PONG', () => {
    const stream = Buffer.from('*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$5\r\na\r\nb\n\r\n*1\r\n$4\r\nping\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    for (let split = 0; split <= stream.length; split++) {
      const first = scanCommands(stream.subarray(0, split));
      const rest = scanCommands(Buffer.concat([stream.subarray(first.end, split), stream.subarray(split)]));
      expect(first.count + rest.count, `split at ${split}`).toBe(4);
      expect(first.replies + rest.replies).toBe('+OK\r\n+PONG\r\n+PONG\r\n+OK\r\n');
      expect(first.end + rest.end).toBe(stream.length);
    }
  });

  it('reads the result line our wrk script prints, errors included', () => {
    const output = 'Running 3s test @ http://127.0.0.1:1\n  2 threads and 64 connections\nWRK_RESULT 30000 3000000 2 5 1500 9000 20000\nRequests/sec: 10000\n';
    expect(parseWrk(output)).toEqual({ requestsPerSecond: 10_000, errors: 7, p50Ms: 1.5, p99Ms: 9, p999Ms: 20 });
    expect(() => parseWrk('no result here')).toThrow(/no result line/);
  });

  it('builds the same 1,000 keys for kv-sim and etcd, with etcd keys in base64', () => {
    const kvSim = requestsFor('kv-sim', 'put');
    const etcd = requestsFor('etcd', 'get');
    expect(kvSim).toHaveLength(1000);
    expect(kvSim[7]).toMatchObject({ method: 'PUT', path: '/v1/kv/bench-7' });
    expect(JSON.parse(kvSim[7]?.body ?? '').value).toHaveLength(100);
    expect(JSON.parse(etcd[7]?.body ?? '')).toEqual({ key: Buffer.from('bench-7').toString('base64') });
    const script = luaScript(kvSim.slice(0, 2));
    expect(script).toContain('{"PUT", "/v1/kv/bench-0"');
    expect(script).toContain('WRK_RESULT');
  });
});

describe('bench: the report', () => {
  it('shows the machine, each kv-sim row with its ratio to the reference, and failed rows', () => {
    const report: BenchReport = {
      date: '2026-01-01T00:00:00.000Z', profile: 'quick', elapsedS: 200,
      machine: { cores: 2, cpu: 'Test CPU', memoryGiB: 8, disk: '/dev/test (ext4)', node: 'v20.0.0', loadAverage: [1, 1, 1] },
      missingTools: ['wrk'],
      rows: [{ section: 'redis-benchmark', setup: '3 nodes, channel, fsync always', case: 'SET -c 64, leader', value: 40_000, unit: 'req/s', p50Ms: 1, p99Ms: 3, reference: { name: 'Redis', value: 80_000 } }],
      failures: ['etcd reference: it did not start'],
    };
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('2 cores (Test CPU)');
    expect(markdown).toContain('Missing tools (their rows skipped): wrk.');
    expect(markdown).toContain('| 3 nodes, channel, fsync always | SET -c 64, leader | 40.0k req/s | 1.00 | 3.00 |  | Redis: 80.0k req/s | 0.50x |  |');
    expect(markdown).toContain('- etcd reference: it did not start');
  });
});

describe('bench: the RESP load generator', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    server = null;
  });

  /** A server that answers every command (counted by its array header) with +OK. */
  async function okServer(): Promise<number> {
    server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        let commands = 0;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x2a && (i === 0 || chunk[i - 1] === 0x0a)) commands++;
        socket.write('+OK\r\n'.repeat(commands));
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  it('keeps the given number of requests in flight and reports rate and percentiles', async () => {
    const port = await okServer();
    const result = await runRespLoad({ host: '127.0.0.1', port, command: 'set', clients: 16, durationMs: 300, warmupMs: 50 });
    expect(result.requestsPerSecond).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
    expect(result.p99Ms).toBeLessThanOrEqual(result.p999Ms);
  });

  it('sends at the asked rate in open loop', async () => {
    const port = await okServer();
    const result = await runRespLoad({ host: '127.0.0.1', port, command: 'get', clients: 4, durationMs: 500, warmupMs: 0, ratePerSecond: 2000 });
    // A 1 ms schedule on a busy machine: the rate is close, not exact.
    expect(result.requestsPerSecond).toBeGreaterThan(1000);
    expect(result.requestsPerSecond).toBeLessThan(2600);
  });
});
