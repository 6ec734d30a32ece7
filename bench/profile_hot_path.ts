/**
 * The hot path under redis-benchmark SET -c 64, profiled. Run (after npm run build):
 *
 *   KV_SIM_PROBE_DIR=/tmp/kvp node --cpu-prof --cpu-prof-dir=/tmp/kvp \
 *     --import ./dist/bench/hot_path_probe.js dist/bench/profile_hot_path.js [--nodes 3]
 *     [--transport channel|tcp] [--fsync always|never] [--requests 100000] [--pipeline 1] [--test set|get]
 *     [--http put|get --seconds 10]   (wrk against the HTTP API instead, 64 connections)
 *
 * Workers inherit both flags, so every node thread writes its own .cpuprofile and probe counts.
 * Prints entries per proposal batch and per SQLite transaction, flushes per commit, and the
 * functions and layers that took each thread's CPU.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type FsyncPolicy } from '../src/index.js';
import type { ProbeCounts } from './hot_path_probe.js';
import { findTool, runTool } from './proc.js';
import { summarizeProfile } from './profile_summary.js';
import { preload, requestsFor, runWrk, type HttpOperation } from './wrk_bench.js';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

function readCounts(dir: string): Map<number, ProbeCounts> {
  const counts = new Map<number, ProbeCounts>();
  for (const file of readdirSync(dir).filter((f) => f.startsWith('node-') && f.endsWith('.json'))) {
    const c = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProbeCounts;
    counts.set(c.node, c);
  }
  return counts;
}

function difference(after: ProbeCounts, before: ProbeCounts | undefined): ProbeCounts {
  const out = { ...after };
  if (before === undefined) return out;
  for (const key of Object.keys(out) as Array<keyof ProbeCounts>) if (key !== 'node') out[key] = after[key] - before[key];
  return out;
}

const dir = process.env.KV_SIM_PROBE_DIR;
if (dir === undefined) throw new Error('set KV_SIM_PROBE_DIR (and run with --import ./dist/bench/hot_path_probe.js, see the header)');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith('.json') || f.endsWith('.cpuprofile')) rmSync(join(dir, f));
const http = flag('--http', '') as HttpOperation | '';
const tool = findTool(http === '' ? 'redis-benchmark' : 'wrk');
if (tool === null) throw new Error(`${http === '' ? 'redis-benchmark' : 'wrk'} is not installed`);
const nodes = Number(flag('--nodes', '3'));
const requests = flag('--requests', '100000');
const pipeline = flag('--pipeline', '1');
const cluster = await startCluster({ nodes, transport: flag('--transport', 'channel') as 'channel' | 'tcp', fsync: flag('--fsync', 'always') as FsyncPolicy, seed: 1, logLevel: 'error' });
const leader = await cluster.waitForLeader({ timeoutMs: 30_000 });
await new Promise((resolve) => setTimeout(resolve, 600)); // probe files written
const before = readCounts(dir);
const startStatus = (await cluster.status()).find((s) => s.id === leader);
const endpoints = cluster.endpoints(leader);
const url = new URL(endpoints.redis);
const httpUrl = endpoints.http ?? '';
const httpRequests = http === '' ? [] : requestsFor('kv-sim', http);
if (http === 'get') await preload(httpUrl, requestsFor('kv-sim', 'put'));
const startMs = performance.now();
const loadFromUs = Number(process.hrtime.bigint() / 1000n);
const csv =
  http === ''
    ? await runTool(tool, ['-h', url.hostname, '-p', url.port, '-t', flag('--test', 'set'), '-d', '100', '-r', '1000', '-c', '64', '-P', pipeline, '-n', requests, '--csv'], 600_000)
    : JSON.stringify(await runWrk(tool, httpRequests, { baseUrl: httpUrl, connections: 64, threads: 2, durationS: Number(flag('--seconds', '10')) }));
const elapsedS = (performance.now() - startMs) / 1000;
const loadToUs = Number(process.hrtime.bigint() / 1000n);
await new Promise((resolve) => setTimeout(resolve, 600));
const endStatus = (await cluster.status()).find((s) => s.id === leader);
const after = readCounts(dir);
await cluster.stop();

console.log(csv.trim());
const commits = (endStatus?.commitIndex ?? 0) - (startStatus?.commitIndex ?? 0);
console.log(`\n${commits} entries committed in ${elapsedS.toFixed(1)} s (${Math.round(commits / elapsedS)}/s), leader ${leader}`);
for (const [node, counts] of [...after].sort((a, b) => a[0] - b[0])) {
  const c = difference(counts, before.get(node));
  const per = (a: number, b: number): string => (b === 0 ? '-' : (a / b).toFixed(1));
  console.log(
    `node ${node}${node === leader ? ' (leader)' : ''}: entries per proposal batch ${per(c.proposedEntries, c.proposeCalls)}, ` +
      `entries per SQLite transaction ${per(c.savedEntries, c.saveCalls)} (${c.saveCalls} transactions, ${per(c.saveMs * 1000, c.saveCalls)} µs each, ${(c.saveMs / 10 / elapsedS).toFixed(0)}% of the run), ` +
      `flushes ${c.flushCalls} (${per(commits, c.flushCalls)} entries per flush, ${(c.flushMs / 10 / elapsedS).toFixed(0)}% of the run), ` +
      `sends ${c.sendCalls} (${per(c.sendCalls, c.flushCalls)} per flush, ${per(c.sentMessages, c.sendCalls)} messages each)`,
  );
}
// Profiles are written when each thread exits: give the terminated workers a moment.
await new Promise((resolve) => setTimeout(resolve, 1000));
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  console.log(`\n${file} (samples taken during the load only)`);
  console.log(summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), 12, { fromUs: loadFromUs, toUs: loadToUs }));
}
