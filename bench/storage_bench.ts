/**
 * Storage throughput: entries per second through save() for a few batch sizes and fsync
 * policies, on SQLite (one database in a temp directory) and in memory for reference. Each save
 * waits until it is durable (whenDurable) before the next: one node writing with nothing to overlap.
 * Run: npx tsx bench/storage_bench.ts [--entry-bytes 128] [--duration-ms 1500]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Entry } from '../src/core/types.js';
import type { Storage } from '../src/ports/storage.js';
import { MemoryStorage } from '../src/storage/memory_storage.js';
import { SqliteStorage } from '../src/storage/sqlite_storage.js';
import type { FsyncPolicy } from '../src/storage/sqlite_storage.js';

export interface StorageBenchCase {
  storage: 'sqlite' | 'memory';
  fsync: FsyncPolicy | '-';
  batchSize: number;
  entriesPerSecond: number;
  savesPerSecond: number;
  /** Mean latency of one save() until durable. */
  saveLatencyUs: number;
}

export interface StorageBenchOptions {
  entryBytes: number;
  durationMs: number;
  batchSizes: number[];
  policies: FsyncPolicy[];
}

const DEFAULTS: StorageBenchOptions = {
  entryBytes: 128,
  durationMs: 1500,
  batchSizes: [1, 16, 256],
  policies: ['always', 'batch', 'never'],
};

const durable = (storage: Storage): Promise<void> =>
  new Promise((resolve, reject) => storage.whenDurable((error) => (error === null ? resolve() : reject(error))));

async function measure(storage: Storage, batchSize: number, entryBytes: number, durationMs: number) {
  const payload = new Uint8Array(entryBytes).map((_, i) => i & 0xff);
  const batch: Entry[] = Array.from({ length: batchSize }, () => ({ index: 0, term: 1, kind: 'normal', data: payload }));
  let next = 1;
  let saves = 0;
  const started = performance.now();
  let elapsedMs = 0;
  // Reuses the batch array as the driver may: the storage must copy what it keeps.
  while (elapsedMs < durationMs) {
    for (let i = 0; i < batchSize; i++) (batch[i] as Entry).index = next + i;
    storage.save({ hardState: { term: 1, vote: 1, commit: next - 1 }, entries: batch });
    await durable(storage);
    next += batchSize;
    saves++;
    if ((saves & 7) === 0) elapsedMs = performance.now() - started;
  }
  elapsedMs = performance.now() - started;
  return {
    entriesPerSecond: Math.round(((next - 1) * 1000) / elapsedMs),
    savesPerSecond: Math.round((saves * 1000) / elapsedMs),
    saveLatencyUs: Math.round((elapsedMs * 1000) / saves),
  };
}

export async function runStorageBench(overrides: Partial<StorageBenchOptions> = {}): Promise<StorageBenchCase[]> {
  const options = { ...DEFAULTS, ...overrides };
  const results: StorageBenchCase[] = [];
  for (const fsync of options.policies) {
    for (const batchSize of options.batchSizes) {
      const dataDir = mkdtempSync(join(tmpdir(), 'kv-sim-storage-bench-'));
      const storage = new SqliteStorage({ dataDir, nodeId: 1, fsync });
      try {
        results.push({ storage: 'sqlite', fsync, batchSize, ...(await measure(storage, batchSize, options.entryBytes, options.durationMs)) });
      } finally {
        storage.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
  for (const batchSize of options.batchSizes) {
    const storage = new MemoryStorage();
    results.push({ storage: 'memory', fsync: '-', batchSize, ...(await measure(storage, batchSize, options.entryBytes, options.durationMs)) });
  }
  return results;
}

function numberFlag(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  const value = at >= 0 ? Number(args[at + 1]) : undefined;
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new Error(`${name} needs a positive number`);
  return value;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const entryBytes = numberFlag(args, '--entry-bytes') ?? DEFAULTS.entryBytes;
  const durationMs = numberFlag(args, '--duration-ms') ?? DEFAULTS.durationMs;
  console.log(`storage bench: ${entryBytes}-byte entries, ${durationMs} ms per case`);
  console.log('storage  fsync   batch   entries/s    saves/s  µs/save');
  for (const r of await runStorageBench({ entryBytes, durationMs })) {
    console.log(
      `${r.storage.padEnd(8)} ${r.fsync.padEnd(7)} ${String(r.batchSize).padStart(5)} ${String(r.entriesPerSecond).padStart(11)} ${String(r.savesPerSecond).padStart(10)} ${String(r.saveLatencyUs).padStart(8)}`,
    );
  }
}
