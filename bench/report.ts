/** Result rows of one bench run, and the markdown the README shows. */
import { formatRate } from './stats.js';

export interface BenchRow {
  /** Which table: 'paired', 'redis-benchmark', 'resp-load', 'http', 'failover', 'layers', 'snapshots'. */
  section: string;
  /** What ran: '3 nodes, channel, fsync always' or 'Redis 7 (appendfsync always)'. */
  setup: string;
  case: string;
  value: number;
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  /** Server CPU time per request (all of kv-sim's threads, or redis-server's), µs: steadier than rates on a busy machine. */
  cpuUsPerRequest?: number;
  /** The same case on the reference system in this run; ratio = value / reference.value. */
  reference?: { name: string; value: number };
  note?: string;
}

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  disk: string;
  node: string;
  loadAverage: number[];
}

export interface BenchReport {
  date: string;
  profile: 'quick' | 'full';
  machine: Machine;
  missingTools: string[];
  elapsedS: number;
  rows: BenchRow[];
  failures: string[];
}

const SECTION_TITLES: Record<string, string> = {
  paired:
    "The targets' ratios in back-to-back runs: the reference and kv-sim run one right after the other (order alternating; SET rotates through Redis, the replication floor and kv-sim), 3 times (5 with --full), all systems up throughout; medians, and the median of the per-pair ratios. The replication floor (`bench/replication_floor.ts`) is a minimal design of kv-sim's shape: three threads, appends and background fsyncs, no Raft, SQLite or state machine. Last, once, an open loop at half kv-sim's peak on Redis, the floor and kv-sim",
  'redis-benchmark': 'redis-benchmark (`-t set,get -d 100 -r 1000 -c 64`), kv-sim against Redis of the same run',
  'resp-load': 'Closed-loop RESP load generator (pipelined connections, one key of 1,000, 100-byte values)',
  http: 'HTTP API under wrk (one key of 1,000, 100-byte values, 64 connections), kv-sim against etcd of the same run',
  failover: 'Failover: leader killed -> first write committed by a new leader (3 nodes, fsync always)',
  layers: 'Layers',
  snapshots: 'Snapshots: event-loop holds (100,000 keys x 500 B), a follower catching up, disk use',
};

const ms = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '' : value < 10 ? value.toFixed(2) : value.toFixed(0));

function formatValue(value: number, unit: string): string {
  if (unit.endsWith('/s')) return `${formatRate(value).replace(/\/s$/, '')} ${unit}`;
  return `${value < 10 ? value.toFixed(2) : Math.round(value)} ${unit}`;
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Bench run ${report.date}, ${report.profile} profile, ${Math.round(report.elapsedS)} s. Machine: ${m.cores} cores (${m.cpu}), ` +
      `${m.memoryGiB} GiB, disk ${m.disk}, Node ${m.node}, load average at start ${m.loadAverage.map((l) => l.toFixed(1)).join(' / ')}.`,
    'Everything below ran in this one run; figures vary from run to run. The first table pairs each reference run with a kv-sim run right after it, so its ratios hold best on a busy machine.',
  ];
  if (report.missingTools.length > 0) lines.push(`Missing tools (their rows skipped): ${report.missingTools.join(', ')}.`);
  for (const section of Object.keys(SECTION_TITLES)) {
    const rows = report.rows.filter((r) => r.section === section);
    if (rows.length === 0) continue;
    lines.push('', `### ${SECTION_TITLES[section]}`, '');
    const withLatency = rows.some((r) => r.p99Ms !== undefined);
    const withReference = rows.some((r) => r.reference !== undefined);
    // 'figure', not 'kv-sim': the references' own rows (Redis, etcd, the replication floor) share the tables.
    const header = ['setup', 'case', 'figure'];
    if (withLatency) header.push('p50 ms', 'p99 ms', 'p999 ms');
    const withCpu = rows.some((r) => r.cpuUsPerRequest !== undefined);
    if (withCpu) header.push('CPU µs/req');
    if (withReference) header.push('reference', 'ratio');
    header.push('note');
    lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
    for (const r of rows) {
      const cells = [r.setup, r.case, formatValue(r.value, r.unit)];
      if (withLatency) cells.push(ms(r.p50Ms), ms(r.p99Ms), ms(r.p999Ms));
      if (withCpu) cells.push(r.cpuUsPerRequest === undefined ? '' : r.cpuUsPerRequest.toFixed(0));
      if (withReference) {
        cells.push(r.reference === undefined ? '' : `${r.reference.name}: ${formatValue(r.reference.value, r.unit)}`);
        cells.push(r.reference === undefined ? '' : `${(r.value / r.reference.value).toFixed(2)}x`);
      }
      cells.push(r.note ?? '');
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  if (report.failures.length > 0) lines.push('', '### Rows that failed', '', ...report.failures.map((f) => `- ${f}`));
  return lines.join('\n') + '\n';
}
