/**
 * Linearizability of a whole key-value history. By P-compositionality (Herlihy & Wing: a history
 * is linearizable iff its restriction to each object is), each key is checked on its own; the
 * per-key search is in search.ts. One time budget covers the whole check: keys not decided by
 * then make the verdict `unknown` unless some key already failed.
 */
import { nowMs } from './clock.js';
import { type History, type Operation, type Value, describeOperation, historyProblems } from './history.js';
import { searchLinearization } from './search.js';

export interface CheckOptions {
  /** Wall-clock budget for the whole check (default 10 s). */
  budgetMs?: number;
  /** Memory bound per key: remembered search states before giving up on it (default 1,000,000). */
  statesMax?: number;
  /** Stop at the first key found not linearizable (default false: report every failing key). */
  stopAtFirstFailure?: boolean;
}

export interface KeyFailure {
  key: string;
  /** The operation that cannot be placed after the longest linearizable prefix. */
  failedOperation: Operation;
  /** The operations it conflicts with: those concurrent with it and those that could be last before it. */
  conflicting: Operation[];
  /** A linearization of the longest linearizable prefix (everything before failedOperation returns). */
  prefix: Operation[];
  /** The key's value after that prefix. */
  stateAfterPrefix: Value;
  /** The minimal failing window in history time: from the first conflicting invoke to the failure. */
  windowStartTime: number;
  windowEndTime: number;
}

export type KeyVerdict = 'linearizable' | 'not-linearizable' | 'unknown';

export interface KeyResult {
  key: string;
  verdict: KeyVerdict;
  /** Operations searched (fail outcomes and unknown reads are left out). */
  operations: number;
  statesExplored: number;
  failure?: KeyFailure;
}

export interface CheckResult {
  verdict: KeyVerdict;
  operations: number;
  keys: number;
  statesExplored: number;
  elapsedMs: number;
  /** Every key found not linearizable (only the first with stopAtFirstFailure). */
  failures: KeyFailure[];
  /** Keys the budget ran out on (or never reached). */
  undecidedKeys: string[];
}

export const DEFAULT_BUDGET_MS = 10_000;
export const DEFAULT_STATES_MAX = 1_000_000;

export class InvalidHistoryError extends Error {
  override name = 'InvalidHistoryError';
}

export function assertValidHistory(history: History): void {
  const problems = historyProblems(history);
  if (problems.length > 0) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new InvalidHistoryError(`invalid history: ${problems.slice(0, 5).join('; ')}${more}`);
  }
}

/**
 * Splits a history by key, leaving out what cannot matter: `fail` outcomes never took effect, and a
 * read with an unknown outcome neither changes the state nor constrains it. Keys come smallest first,
 * so a budget spent on one hard key still decides the easy ones.
 */
export function partitionByKey(history: History): Array<[string, Operation[]]> {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    if (op.outcome === 'fail' || (op.outcome === 'unknown' && op.kind === 'read')) continue;
    let ops = byKey.get(op.key);
    if (!ops) byKey.set(op.key, (ops = []));
    ops.push(op);
  }
  return [...byKey.entries()].sort((a, b) => a[1].length - b[1].length || (a[0] < b[0] ? -1 : 1));
}

export function checkKey(key: string, ops: readonly Operation[], deadlineMs: number, statesMax = DEFAULT_STATES_MAX): KeyResult {
  const result = searchLinearization(ops, { deadlineMs, statesMax });
  const base = { key, verdict: result.verdict, operations: ops.length, statesExplored: result.statesExplored };
  if (result.verdict !== 'not-linearizable') return base;
  const byId = new Map(ops.map((op) => [op.id, op]));
  const failedOperation = byId.get(result.failedOperationId) as Operation;
  const conflicting = conflictingOperations(ops, failedOperation);
  const failure: KeyFailure = {
    key,
    failedOperation,
    conflicting,
    prefix: result.prefixLinearization.map((id) => byId.get(id) as Operation),
    stateAfterPrefix: result.stateAfterPrefix,
    windowStartTime: conflicting.reduce((earliest, op) => Math.min(earliest, op.invokeTime), failedOperation.invokeTime),
    windowEndTime: failedOperation.returnTime,
  };
  return { ...base, failure };
}

/**
 * Operations concurrent with the failed one, plus the frontier before it: those that completed
 * before it started and are not followed by another that also did. Any of them could be the
 * last one linearized before it, so together they show why no placement works.
 */
export function conflictingOperations(ops: readonly Operation[], failed: Operation): Operation[] {
  let lastStartBefore = -Infinity;
  for (const op of ops) if (op.returnTime < failed.invokeTime) lastStartBefore = Math.max(lastStartBefore, op.invokeTime);
  return ops
    .filter((op) => {
      if (op === failed) return false;
      const concurrent = op.invokeTime <= failed.returnTime && op.returnTime >= failed.invokeTime;
      const frontier = op.returnTime < failed.invokeTime && op.returnTime >= lastStartBefore;
      return concurrent || frontier;
    })
    .sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
}

/** Folds per-key results into one verdict. */
export function combineKeyResults(results: readonly KeyResult[], operations: number, startMs: number): CheckResult {
  const failures: KeyFailure[] = [];
  const undecidedKeys: string[] = [];
  let statesExplored = 0;
  for (const result of results) {
    statesExplored += result.statesExplored;
    if (result.failure) failures.push(result.failure);
    if (result.verdict === 'unknown') undecidedKeys.push(result.key);
  }
  failures.sort((a, b) => a.windowEndTime - b.windowEndTime);
  const verdict: KeyVerdict = failures.length > 0 ? 'not-linearizable' : undecidedKeys.length > 0 ? 'unknown' : 'linearizable';
  return { verdict, operations, keys: results.length, statesExplored, elapsedMs: nowMs() - startMs, failures, undecidedKeys };
}

/** Checks keys in order until done, the deadline passes, or (optionally) one fails. */
export function checkPartitions(partitions: ReadonlyArray<[string, Operation[]]>, deadlineMs: number, options: CheckOptions): KeyResult[] {
  const results: KeyResult[] = [];
  let stopped = false;
  for (const [key, ops] of partitions) {
    if (stopped || nowMs() > deadlineMs) {
      results.push({ key, verdict: 'unknown', operations: ops.length, statesExplored: 0 });
      continue;
    }
    const result = checkKey(key, ops, deadlineMs, options.statesMax);
    results.push(result);
    if (result.verdict === 'not-linearizable' && options.stopAtFirstFailure) stopped = true;
  }
  return results;
}

/** Checks a whole history in this thread. Throws InvalidHistoryError on a malformed history. */
export function checkLinearizability(history: History, options: CheckOptions = {}): CheckResult {
  assertValidHistory(history);
  const startMs = nowMs();
  const deadlineMs = startMs + (options.budgetMs ?? DEFAULT_BUDGET_MS);
  const results = checkPartitions(partitionByKey(history), deadlineMs, options);
  return combineKeyResults(results, history.length, startMs);
}

/** A few lines saying where and why a history failed, for logs and reports. */
export function describeFailure(failure: KeyFailure): string {
  const state = failure.stateAfterPrefix === null ? 'absent' : JSON.stringify(failure.stateAfterPrefix);
  return [
    `key ${JSON.stringify(failure.key)}: ${describeOperation(failure.failedOperation)} cannot be linearized`,
    `  after the longest linearizable prefix (${failure.prefix.length} operations, value then ${state});`,
    `  window [${failure.windowStartTime}, ${failure.windowEndTime}], conflicting with:`,
    ...failure.conflicting.slice(0, 20).map((op) => `    ${describeOperation(op)}`),
    ...(failure.conflicting.length > 20 ? [`    ... and ${failure.conflicting.length - 20} more`] : []),
  ].join('\n');
}
