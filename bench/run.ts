/**
 * `npm run bench` (quick profile, a few minutes) and `npm run bench -- --full`. Everything runs in
 * one process run, so the ratios between rows hold on a noisy machine: the reference systems
 * (Redis, etcd) first, then kv-sim clusters, failover, and the layers. Writes
 * bench/results/<date>.json and bench/results/latest.md (the table the README shows).
 * `--only paired,redis-benchmark,resp-load,http,failover,layers,snapshots` runs a subset (SECTIONS).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchClusterSetup, setupName, type ClusterSetup, type LoadProfile } from './cluster_bench.js';
import { benchFailover } from './failover_bench.js';
import { benchPairedRatios, type PairedProfile } from './paired_ratios.js';
import { benchLayers } from './layers.js';
import { benchSnapshots } from './snapshot_rows.js';
import { describeMachine } from './machine.js';
import { rerunWithThreadPool, toolInventory } from './proc.js';
import { benchReferences, type ReferenceProfile } from './references.js';
import { renderMarkdown, type BenchReport, type BenchRow } from './report.js';
import { median } from './stats.js';

const rerun = rerunWithThreadPool();
if (rerun !== null) process.exit(rerun);

const SECTIONS = ['paired', 'redis-benchmark', 'resp-load', 'http', 'failover', 'layers', 'snapshots'];
const args = process.argv.slice(2);
const full = args.includes('--full');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',').filter((section) => section !== '')) : null;
if (only !== null && only.size === 0) {
  console.error(`bench: --only needs a comma-separated list of sections: ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const unknownSections = [...(only ?? [])].filter((section) => !SECTIONS.includes(section));
if (unknownSections.length > 0) {
  console.error(`bench: unknown --only section ${unknownSections.join(', ')}; the sections are ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const wants = (section: string): boolean => only === null || only.has(section);

const loadProfile: LoadProfile = full
  ? { repeats: 3, requestsPipelined1: 50_000, requestsPipelined16: 300_000, loadDurationMs: 3000, loadClients: [1, 16, 64, 256], wrkDurationS: 5, follower: true, respLoad: wants('resp-load') }
  : { repeats: 1, requestsPipelined1: 30_000, requestsPipelined16: 150_000, loadDurationMs: 2000, loadClients: [1, 16, 64, 256], wrkDurationS: 3, follower: true, respLoad: wants('resp-load') };
const referenceProfile: ReferenceProfile = full
  ? { redisRequestsPipelined1: 300_000, redisRequestsPipelined16: 2_000_000, wrkDurationS: 5 }
  : { redisRequestsPipelined1: 100_000, redisRequestsPipelined16: 500_000, wrkDurationS: 3 };
const pairedProfile: PairedProfile = full
  ? { pairs: 5, redisRequests: 100_000, kvSimRequests: 50_000, wrkDurationS: 5, loadDurationMs: 4000 }
  : { pairs: 3, redisRequests: 60_000, kvSimRequests: 30_000, wrkDurationS: 3, loadDurationMs: 3000 };
const failoverKills = 20;

function setups(): ClusterSetup[] {
  const main: ClusterSetup = { nodes: 3, transport: 'channel', fsync: 'always', allRows: true };
  if (!full) {
    return [main, { nodes: 3, transport: 'tcp', fsync: 'always', allRows: false }, { nodes: 5, transport: 'channel', fsync: 'always', allRows: false }, { nodes: 3, transport: 'channel', fsync: 'never', allRows: false }];
  }
  const all: ClusterSetup[] = [];
  for (const fsync of ['always', 'never'] as const) {
    for (const nodes of [3, 5]) for (const transport of ['channel', 'tcp'] as const) all.push({ nodes, transport, fsync, allRows: fsync === 'always' });
  }
  return all;
}

const startedMs = performance.now();
const log = (line: string): void => console.error(`[bench ${((performance.now() - startedMs) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const failures: string[] = [];
const fail = (what: string, error: unknown): void => {
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`.split('\n')[0] ?? what;
  failures.push(message);
  log(`FAILED ${message}`);
};

const machine = describeMachine();
const tools = toolInventory();
const missingTools = Object.entries(tools).filter(([, path]) => path === null).map(([name]) => name);
log(`${full ? 'full' : 'quick'} profile on ${machine.cores} cores (${machine.cpu}); missing tools: ${missingTools.join(', ') || 'none'}`);
const rows: BenchRow[] = [];

const loadWanted = wants('redis-benchmark') || wants('resp-load') || wants('http');
// A section not asked for runs without its tools (so without its rows).
const redisBenchmark = wants('redis-benchmark') ? tools['redis-benchmark'] : null;
const wrk = wants('http') ? tools.wrk : null;
const referenceTools = { ...tools, 'redis-benchmark': redisBenchmark, wrk };
const { references, rows: referenceRows } = await benchReferences(referenceTools, referenceProfile, log, fail);
rows.push(...referenceRows);
if (loadWanted) {
  for (const setup of setups()) {
    try {
      rows.push(...(await benchClusterSetup(setup, loadProfile, { redisBenchmark, wrk }, references, log)));
    } catch (error) {
      fail(`kv-sim ${setupName(setup)}`, error);
    }
  }
}
if (wants('paired')) {
  try {
    const pairedTools = { redisServer: tools['redis-server'], redisBenchmark: tools['redis-benchmark'], etcd: tools.etcd, wrk: tools.wrk };
    rows.push(...(await benchPairedRatios(pairedTools, pairedProfile, log)));
  } catch (error) {
    fail('paired ratios', error);
  }
}
if (wants('failover')) {
  for (const timing of ['fast', 'standard'] as const) {
    try {
      const { samplesMs } = await benchFailover(timing, failoverKills, log);
      rows.push({ section: 'failover', setup: `${timing} timing`, case: `median of ${samplesMs.length} kills`, value: median(samplesMs), unit: 'ms' });
      rows.push({ section: 'failover', setup: `${timing} timing`, case: `max of ${samplesMs.length} kills`, value: Math.max(...samplesMs), unit: 'ms' });
    } catch (error) {
      fail(`failover, ${timing} timing`, error);
    }
  }
}
if (wants('layers')) {
  try {
    rows.push(...(await benchLayers(full, log)));
  } catch (error) {
    fail('layers', error);
  }
}

if (wants('snapshots')) {
  try {
    rows.push(...(await benchSnapshots(full, log)));
  } catch (error) {
    fail('snapshots', error);
  }
}

const report: BenchReport = {
  date: new Date().toISOString(),
  profile: full ? 'full' : 'quick',
  machine,
  missingTools,
  elapsedS: (performance.now() - startedMs) / 1000,
  rows: only === null ? rows : rows.filter((r) => wants(r.section)),
  failures,
};
// Compiled to dist/bench/run.js or run from source as bench/run.ts: results go to <repo>/bench/results.
const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = here.endsWith(join('dist', 'bench')) ? join(here, '..', '..', 'bench', 'results') : join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `${report.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
const markdown = renderMarkdown(report);
if (only === null) writeFileSync(join(resultsDir, 'latest.md'), markdown);
console.log(markdown);
log(`written to ${file}${only === null ? ' and latest.md' : ''}`);
