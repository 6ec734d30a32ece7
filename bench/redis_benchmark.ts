/**
 * redis-benchmark as the bench runs it against kv-sim and against Redis alike:
 * `-t set,get -d 100 -r 1000 -c 64 [-P 16]`, CSV output parsed into rates and latencies.
 */
import { runTool } from './proc.js';

export interface RedisBenchmarkOptions {
  host: string;
  port: number;
  clients: number;
  pipeline: number;
  /** Requests per test (SET, then GET). */
  requests: number;
  timeoutMs: number;
}

export interface CommandFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface RedisBenchmarkResult {
  set: CommandFigures;
  get: CommandFigures;
}

export async function runRedisBenchmark(tool: string, options: RedisBenchmarkOptions): Promise<RedisBenchmarkResult> {
  const args = [
    '-h', options.host, '-p', String(options.port),
    '-t', 'set,get', '-d', '100', '-r', '1000',
    '-c', String(options.clients), '-P', String(options.pipeline), '-n', String(options.requests),
    '--csv',
  ];
  const csv = await runTool(tool, args, options.timeoutMs);
  const figures = parseCsv(csv);
  const set = figures.get('SET');
  const get = figures.get('GET');
  if (set === undefined || get === undefined) throw new Error(`redis-benchmark printed no SET/GET rows:\n${csv.slice(0, 1000)}`);
  return { set, get };
}

/** Parses `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...,"p99_latency_ms",...` rows. */
export function parseCsv(csv: string): Map<string, CommandFigures> {
  const rows = csv.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('"'));
  const cells = (line: string): string[] => line.split(',').map((cell) => cell.replace(/^"|"$/g, ''));
  const header = cells(rows[0] ?? '');
  const column = (name: string): number => header.indexOf(name);
  const figures = new Map<string, CommandFigures>();
  for (const row of rows.slice(1)) {
    const values = cells(row);
    const number = (name: string): number => Number(values[column(name)] ?? NaN);
    figures.set(values[0] ?? '', { requestsPerSecond: number('rps'), p50Ms: number('p50_latency_ms'), p99Ms: number('p99_latency_ms') });
  }
  return figures;
}
