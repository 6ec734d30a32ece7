/**
 * Piscina worker: checks a batch of per-key partitions. Loaded from dist/ (workers cannot start
 * from .ts on Node 20); parallel.ts resolves the path.
 */
import type { Operation } from './history.js';
import { type KeyResult, checkPartitions } from './linearizability.js';

export interface CheckTask {
  partitions: Array<[string, Operation[]]>;
  /** clock.ts nowMs() milliseconds, comparable across threads. */
  deadlineMs: number;
  statesMax?: number;
  stopAtFirstFailure?: boolean;
}

export default function checkTask(task: CheckTask): KeyResult[] {
  return checkPartitions(task.partitions, task.deadlineMs, task);
}
