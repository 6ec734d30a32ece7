/**
 * Snapshots: how long each piece holds the event loop (synchronous before, stepped after), a
 * follower catching up by InstallSnapshot after 100,000 writes (>= 50 MB of state), and disk use
 * under a steady write load.
 * Run (after `npm run build`, workers start from dist/):
 *   npx tsx bench/snapshot_bench.ts [--full] [--only stalls|catchup|disk] [--disk-minutes N]
 * Quick profile: 1 minute of disk sampling; --full: 10 minutes.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { Snapshot } from '../src/core/types.js';
import { startCluster, type Cluster, type NodeId } from '../src/index.js';
import { encodeProposal } from '../src/kv/command_codec.js';
import { KvStateMachine } from '../src/kv/kv_state_machine.js';
import { SNAPSHOT_STEP_BUDGET_MS } from '../src/runtime/snapshot_runner.js';
import { SqliteStorage } from '../src/storage/sqlite_storage.js';
import { median, percentile } from './stats.js';

const encoder = new TextEncoder();

function fillStateMachine(keys: number, valueBytes: number): KvStateMachine {
  const machine = new KvStateMachine();
  const value = new Uint8Array(valueBytes).fill(0x61);
  for (let i = 1; i <= keys; i++) {
    const command = { type: 'set', key: encoder.encode(`key-${i}`), value, condition: 'always', returnOld: false } as const;
    machine.apply(encodeProposal([{ session: null, command }]), i);
  }
  return machine;
}

/**
 * Wall time of fn, in ms. On a loaded machine wall time includes waiting for a core; the CPU time
 * of the longest pieces is kept in cpuMaxMs as the steadier figure.
 */
const cpuMaxMs = { before: 0, after: 0 };
let lastCpuMs = 0;
function timeMs(fn: () => void, side: 'before' | 'after' = 'after'): number {
  const cpu = process.cpuUsage();
  const start = performance.now();
  fn();
  const used = process.cpuUsage(cpu);
  lastCpuMs = (used.user + used.system) / 1000;
  cpuMaxMs[side] = Math.max(cpuMaxMs[side], lastCpuMs);
  return performance.now() - start;
}

/** Wall times of steps, and the longest step in CPU time. */
class Steps {
  readonly wallMs: number[] = [];
  cpuMaxMs = 0;
  time(fn: () => void): void {
    this.wallMs.push(timeMs(fn));
    this.cpuMaxMs = Math.max(this.cpuMaxMs, lastCpuMs);
  }
}

export interface StallFigures {
  stateBytes: number;
  before: { snapshotMs: number; restoreMs: number; saveSnapshotMs: number; loadMs: number; cpuMaxMs: number };
  after: { captureMs: number; takeMs: number; commitMs: number; encode: Spread; write: Spread; garbage: Spread; cpuMaxMs: number };
}

/** Step durations: how many, the median, the 99th percentile and the longest, in ms. */
export interface Spread {
  steps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuMaxMs: number;
}

function spread(steps: Steps): Spread {
  const sorted = [...steps.wallMs].sort((a, b) => a - b);
  return { steps: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN, cpuMaxMs: steps.cpuMaxMs };
}

/** Longest synchronous piece, before (one call each) and after (capture, then bounded steps). */
export function benchSnapshotStalls(keys = 100_000, valueBytes = 500): StallFigures {
  const machine = fillStateMachine(keys, valueBytes);
  const dir = mkdtempSync(join(tmpdir(), 'kv-sim-snapshot-bench-'));
  try {
    let data: Uint8Array = new Uint8Array(0);
    const snapshotMs = timeMs(() => (data = machine.snapshot()), 'before');
    const restoreMs = timeMs(() => new KvStateMachine().restore(data), 'before');
    const storage = new SqliteStorage({ dataDir: dir, nodeId: 1 });
    storage.load();
    storage.bootstrap({ voters: [1], learners: [] });
    storage.save({ hardState: { term: 1, vote: 1, commit: 1 }, entries: [{ index: 1, term: 1, kind: 'normal', data: new Uint8Array(1) }] });
    const meta = { index: 1, term: 1, membership: { voters: [1], learners: [] } };
    const saveSnapshotMs = timeMs(() => storage.saveSnapshot({ meta, data }), 'before');
    storage.close();
    const reopened = new SqliteStorage({ dataDir: dir, nodeId: 1 });
    const loadMs = timeMs(() => reopened.load(), 'before');

    // After: what the runtime's SnapshotRunner does, each piece timed on its own.
    const encodeSteps = new Steps();
    const writeSteps = new Steps();
    const garbageSteps = new Steps();
    let job = machine.beginSnapshot();
    machine.cancelSnapshot();
    const captureMs = timeMs(() => (job = machine.beginSnapshot()));
    for (let done = false; !done; ) {
      encodeSteps.time(() => {
        const deadline = performance.now() + SNAPSHOT_STEP_BUDGET_MS;
        while (!done && performance.now() < deadline) done = job.step(500);
      });
    }
    let stepped: Uint8Array = new Uint8Array(0);
    const takeMs = timeMs(() => (stepped = machine.snapshot()));
    reopened.save({ hardState: null, entries: [{ index: 2, term: 1, kind: 'normal', data: new Uint8Array(1) }] });
    const next: Snapshot = { meta: { ...meta, index: 2 }, data: stepped };
    const write = reopened.beginSnapshotWrite(next);
    if (write === null) throw new Error('no staged write');
    for (let done = false; !done; ) writeSteps.time(() => (done = write.step()));
    const commitMs = timeMs(() => reopened.commitSnapshotWrite(write));
    for (let deleted = 1; deleted > 0; ) garbageSteps.time(() => (deleted = reopened.collectGarbage(200, 4)));
    reopened.close();
    return {
      stateBytes: data.length,
      before: { snapshotMs, restoreMs, saveSnapshotMs, loadMs, cpuMaxMs: cpuMaxMs.before },
      after: { captureMs, takeMs, commitMs, encode: spread(encodeSteps), write: spread(writeSteps), garbage: spread(garbageSteps), cpuMaxMs: cpuMaxMs.after },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `count` keys of `valueBytes` through `client`, `inFlight` at a time. */
async function writeKeys(client: Redis, prefix: string, count: number, valueBytes: number, inFlight = 256): Promise<void> {
  const value = 'x'.repeat(valueBytes);
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    for (let i = next++; i < count; i = next++) await client.set(`${prefix}-${i}`, value);
  }));
}

async function leaderClient(cluster: Cluster): Promise<{ leader: NodeId; client: Redis }> {
  const leader = await cluster.waitForLeader({ timeoutMs: 20_000 });
  return { leader, client: new Redis(cluster.endpoints(leader).redis, { maxRetriesPerRequest: 2, enableReadyCheck: false }) };
}

export interface CatchUpFigures {
  writes: number;
  snapshotBytes: number;
  writeSeconds: number;
  catchUpMs: number;
  installs: number;
  leaderChanges: number;
  leaderStallMaxMs: number;
  leaderFlushMaxMs: number;
  leaderSnapshotStepMaxMs: number;
  followerStallMaxMs: number;
  writesDuringCatchUp: number;
}

/** A follower down while `writes` writes happen catches up by InstallSnapshot; the cluster keeps serving. */
export async function benchCatchUp(writes = Number(process.env["SNAPSHOT_BENCH_WRITES"] ?? 100_000), valueBytes = 500): Promise<CatchUpFigures> {
  const cluster = await startCluster({
    nodes: 3,
    timing: 'fast',
    logLevel: 'error',
    // Snapshot every 16 MB applied and keep little log: a follower that was down needs a snapshot.
    snapshotPolicy: { bytesThreshold: 16 << 20, retainEntries: 100 },
  });
  try {
    const { leader, client } = await leaderClient(cluster);
    const lagging = cluster.nodeIds.find((id) => id !== leader) as NodeId;
    let snapshotBytes = 0;
    cluster.on('snapshot-taken', (e) => {
      if (e.node === leader) snapshotBytes = e.bytes;
    });
    await cluster.crash(lagging);
    const writeStart = performance.now();
    await writeKeys(client, 'k', writes, valueBytes);
    const writeSeconds = (performance.now() - writeStart) / 1000;
    const before = (await cluster.status()).find((s) => s.id === leader);
    if (before === undefined) throw new Error('no leader status');
    let leaderChanges = 0;
    let installs = 0;
    cluster.on('leader-changed', (e) => {
      if (e.leader !== leader || e.term !== before.term) leaderChanges++;
    });
    cluster.on('snapshot-installed', (e) => {
      if (e.node === lagging) installs++;
    });
    const catchUpStart = performance.now();
    await cluster.restart(lagging);
    // Keep serving during the catch-up: one writer, counted.
    let writesDuringCatchUp = 0;
    let stop = false;
    const background = (async () => {
      for (let i = 0; !stop; i++) {
        await client.set(`during-${i}`, 'y'.repeat(valueBytes)).then(() => writesDuringCatchUp++, () => {});
      }
    })();
    const target = before.commitIndex;
    const statuses = await cluster.waitFor((s) => (s.find((n) => n.id === lagging)?.appliedIndex ?? 0) >= target, { timeoutMs: 600_000 });
    const catchUpMs = performance.now() - catchUpStart;
    stop = true;
    await background;
    client.disconnect();
    const head = statuses.find((s) => s.id === leader);
    const me = statuses.find((s) => s.id === lagging);
    return {
      writes,
      snapshotBytes,
      writeSeconds,
      catchUpMs,
      installs,
      leaderChanges,
      leaderStallMaxMs: head?.eventLoopStallMaxMs ?? NaN,
      leaderFlushMaxMs: head?.flushMaxMs ?? NaN,
      leaderSnapshotStepMaxMs: head?.snapshotStepMaxMs ?? NaN,
      followerStallMaxMs: me?.eventLoopStallMaxMs ?? NaN,
      writesDuringCatchUp,
    };
  } finally {
    await cluster.stop();
  }
}

function directoryBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
  }
  return total;
}

export interface DiskFigures {
  minutes: number;
  writes: number;
  samples: number;
  minBytes: number;
  medianBytes: number;
  maxBytes: number;
  lastBytes: number;
}

/** Steady overwrites of a bounded key space (state ~10 MB) while the data dir size is sampled. */
export async function benchDiskBounded(minutes: number, sampleEveryMs = 3_000): Promise<DiskFigures> {
  const cluster = await startCluster({ nodes: 3, timing: 'fast', logLevel: 'error', snapshotPolicy: { bytesThreshold: 8 << 20, retainEntries: 100 } });
  try {
    const { client } = await leaderClient(cluster);
    const value = 'z'.repeat(500);
    let writes = 0;
    let stop = false;
    const writers = Array.from({ length: 32 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        await client.set(`key-${(i * 32 + w) % 20_000}`, value).then(() => writes++, () => {});
      }
    });
    const samples: number[] = [];
    const endMs = performance.now() + minutes * 60_000;
    while (performance.now() < endMs) {
      await new Promise((resolve) => setTimeout(resolve, sampleEveryMs));
      samples.push(directoryBytes(cluster.dataDir));
    }
    stop = true;
    await Promise.all(writers);
    client.disconnect();
    const sorted = [...samples].sort((a, b) => a - b);
    return {
      minutes,
      writes,
      samples: samples.length,
      minBytes: sorted[0] ?? NaN,
      medianBytes: median(samples),
      maxBytes: sorted.at(-1) ?? NaN,
      lastBytes: samples.at(-1) ?? NaN,
    };
  } finally {
    await cluster.stop();
  }
}

const mb = (bytes: number): string => `${(bytes / (1 << 20)).toFixed(1)} MiB`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const only = args[args.indexOf('--only') + 1];
  const run = (name: string): boolean => !args.includes('--only') || only === name;
  const diskMinutes = args.includes('--disk-minutes') ? Number(args[args.indexOf('--disk-minutes') + 1]) : full ? 10 : 1;
  if (run('stalls')) {
    const s = benchSnapshotStalls();
    console.log(`stalls, state ${mb(s.stateBytes)} (100,000 keys x 500 B):`);
    console.log(`  before (one synchronous call each): snapshot ${ms(s.before.snapshotMs)}, restore ${ms(s.before.restoreMs)}, saveSnapshot ${ms(s.before.saveSnapshotMs)}, load ${ms(s.before.loadMs)}; longest in CPU time ${ms(s.before.cpuMaxMs)}`);
    const a = s.after;
    const show = (name: string, x: Spread): string => `${name} ${x.steps} steps p50 ${ms(x.p50Ms)} p99 ${ms(x.p99Ms)} max ${ms(x.maxMs)} (CPU max ${ms(x.cpuMaxMs)})`;
    console.log(`  after: capture ${ms(a.captureMs)}, take ${ms(a.takeMs)}, commit ${ms(a.commitMs)}; ${show('encode', a.encode)}; ${show('write', a.write)}; ${show('garbage', a.garbage)}; longest in CPU time ${ms(a.cpuMaxMs)}`);
  }
  if (run('catchup')) {
    const c = await benchCatchUp();
    console.log(`catch-up after ${c.writes} writes (snapshot ${mb(c.snapshotBytes)}, written in ${c.writeSeconds.toFixed(1)} s):`);
    console.log(`  caught up in ${ms(c.catchUpMs)}, snapshot installs ${c.installs}, leader changes ${c.leaderChanges}, writes served meanwhile ${c.writesDuringCatchUp}`);
    console.log(`  leader: longest event-loop stall ${ms(c.leaderStallMaxMs)}, longest flush ${ms(c.leaderFlushMaxMs)}, longest snapshot step ${ms(c.leaderSnapshotStepMaxMs)}; follower stall ${ms(c.followerStallMaxMs)}`);
  }
  if (run('disk')) {
    const d = await benchDiskBounded(diskMinutes);
    console.log(`disk use under steady overwrites for ${d.minutes} min (${d.writes} writes, ${d.samples} samples of the data dir):`);
    console.log(`  min ${mb(d.minBytes)}, median ${mb(d.medianBytes)}, max ${mb(d.maxBytes)}, last ${mb(d.lastBytes)}`);
  }
}
