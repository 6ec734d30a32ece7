/**
 * redis-benchmark as the bench runs it against kv-sim and against Redis alike:
 * `-t set,get -d 100 -r 1000 -c 64 [-P 16]`, CSV output parsed into rates and latencies. SET and
 * GET run as two invocations so each gets its own CPU figure: CPU time per request is the figure
 * that holds on a busy machine, where rates depend on what else runs.
 */
import { readFileSync } from 'node:fs';
import { runTool } from './proc.js';

export interface RedisBenchmarkOptions {
  host: string;
  port: number;
  clients: number;
  pipeline: number;
  /** Requests per test (SET, then GET). */
  requests: number;
  timeoutMs: number;
  /** Reads the server's CPU time in µs (all its threads); absent: no CPU figure. */
  cpuUs?: () => number;
}

export interface CommandFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time per request, µs. */
  cpuUsPerRequest?: number;
}

export interface RedisBenchmarkResult {
  set: CommandFigures;
  get: CommandFigures;
}

export async function runRedisBenchmark(tool: string, options: RedisBenchmarkOptions): Promise<RedisBenchmarkResult> {
  return { set: await runRedisBenchmarkTest(tool, options, 'set'), get: await runRedisBenchmarkTest(tool, options, 'get') };
}

export async function runRedisBenchmarkTest(tool: string, options: RedisBenchmarkOptions, test: 'set' | 'get'): Promise<CommandFigures> {
  const args = [
    '-h', options.host, '-p', String(options.port),
    '-t', test, '-d', '100', '-r', '1000',
    '-c', String(options.clients), '-P', String(options.pipeline), '-n', String(options.requests),
    '--csv',
  ];
  const cpuStartUs = options.cpuUs?.();
  const csv = await runTool(tool, args, options.timeoutMs);
  const cpuUs = cpuStartUs === undefined ? undefined : (options.cpuUs?.() ?? 0) - cpuStartUs;
  const figures = parseCsv(csv).get(test.toUpperCase());
  if (figures === undefined) throw new Error(`redis-benchmark printed no ${test.toUpperCase()} row:\n${csv.slice(0, 1000)}`);
  return cpuUs === undefined ? figures : { ...figures, cpuUsPerRequest: cpuUs / options.requests };
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

/** CPU time of this process (every thread: the emulator's node workers live here), µs. */
export function ownCpuUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** CPU time of another process from /proc (Linux), µs; NaN elsewhere. */
export function processCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}
