/**
 * Checks the per-key partitions of a history on a piscina worker pool. Keys are independent
 * (P-compositionality), so they are spread over a few batches per thread, balanced by operation
 * count; small histories are checked in this thread, where a pool would cost more than it saves.
 *
 * Workers run the compiled dist/ code: run `npm run build` first when calling this from source.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { CheckTask } from './check_worker.js';
import { nowMs } from './clock.js';
import type { History, Operation } from './history.js';
import {
  type CheckOptions,
  type CheckResult,
  DEFAULT_BUDGET_MS,
  type KeyResult,
  assertValidHistory,
  checkLinearizability,
  checkPartitions,
  combineKeyResults,
  partitionByKey,
} from './linearizability.js';

export interface ParallelCheckOptions extends CheckOptions {
  /** Histories with fewer operations are checked in the calling thread (default 2,000). */
  inThreadBelowOperations?: number;
}

export interface CheckPoolOptions {
  /** Worker threads (default: the machine's available parallelism). */
  poolSize?: number;
}

export const DEFAULT_IN_THREAD_BELOW_OPERATIONS = 2_000;
/** Batches per thread: enough to even out uneven keys, few enough to keep messaging cheap. */
const BATCHES_PER_THREAD = 4;

export class CheckPoolError extends Error {
  override name = 'CheckPoolError';
}

/** The compiled worker entry, next to this file in dist/, or under dist/ when running from source. */
export function checkWorkerPath(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? '../../dist/src/check/check_worker.js' : './check_worker.js', import.meta.url);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new CheckPoolError(`checker worker ${path} is missing: run \`npm run build\` first`);
  return path;
}

/** A reusable pool: create once, check many histories, close at the end. */
export class CheckPool {
  readonly poolSize: number;
  private readonly pool: Piscina<CheckTask, KeyResult[]>;

  constructor(options: CheckPoolOptions = {}) {
    const poolSize = options.poolSize ?? availableParallelism();
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new CheckPoolError(`poolSize must be a positive integer, got ${poolSize}`);
    this.poolSize = poolSize;
    this.pool = new Piscina({ filename: checkWorkerPath(), minThreads: poolSize, maxThreads: poolSize, idleTimeout: 60_000 });
  }

  /** Same verdicts as checkLinearizability; stopAtFirstFailure applies within each batch. */
  async check(history: History, options: ParallelCheckOptions = {}): Promise<CheckResult> {
    assertValidHistory(history);
    const startMs = nowMs();
    const deadlineMs = startMs + (options.budgetMs ?? DEFAULT_BUDGET_MS);
    const partitions = partitionByKey(history);
    if (history.length < (options.inThreadBelowOperations ?? DEFAULT_IN_THREAD_BELOW_OPERATIONS)) {
      return combineKeyResults(checkPartitions(partitions, deadlineMs, options), history.length, startMs);
    }
    const batches = balance(partitions, this.poolSize * BATCHES_PER_THREAD);
    const task = { deadlineMs, statesMax: options.statesMax, stopAtFirstFailure: options.stopAtFirstFailure };
    const results = await Promise.all(batches.map((batch) => this.pool.run({ ...task, partitions: batch })));
    return combineKeyResults(results.flat(), history.length, startMs);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Checks one history on a pool made for it (pool start-up included in the time). */
export async function checkLinearizabilityParallel(history: History, options: ParallelCheckOptions & CheckPoolOptions = {}): Promise<CheckResult> {
  if (history.length < (options.inThreadBelowOperations ?? DEFAULT_IN_THREAD_BELOW_OPERATIONS)) return checkLinearizability(history, options);
  const pool = new CheckPool(options);
  try {
    return await pool.check(history, options);
  } finally {
    await pool.close();
  }
}

/** Largest partitions first, each into the lightest batch; batches keep the small-first order inside. */
function balance(partitions: ReadonlyArray<[string, Operation[]]>, batchCount: number): Array<Array<[string, Operation[]]>> {
  const batches = Array.from({ length: Math.min(batchCount, partitions.length) }, () => ({ weight: 0, items: [] as Array<[string, Operation[]]> }));
  for (const partition of [...partitions].sort((a, b) => b[1].length - a[1].length)) {
    let lightest = batches[0]!;
    for (const batch of batches) if (batch.weight < lightest.weight) lightest = batch;
    lightest.items.push(partition);
    lightest.weight += partition[1].length;
  }
  return batches.map((batch) => batch.items.reverse());
}
