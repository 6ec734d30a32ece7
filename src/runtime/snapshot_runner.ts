/**
 * Takes a node's snapshots without stalling its event loop (the heartbeats a leader owes its
 * followers every 50 ms run on it). One cycle, each phase in steps of at most STEP_BUDGET_MS per
 * turn of the event loop (setImmediate), flushes running in between:
 *  1. encoding: the state machine captured its state at some index A (a copy of entry references)
 *     and encodes it step by step, recording the commands it applies meanwhile;
 *  2. take: driver.snapshotNow() gets base + those commands (the state at the applied index B)
 *     at no encoding cost, and compacts the log in memory; the store is deferred;
 *  3. writing: the snapshot goes to SQLite a chunk per step, then one small transaction swaps it in;
 *  4. collecting: replaced chunks and compacted entries are deleted a batch per step.
 * The policy (entries or bytes applied since the last snapshot) lives here, not in the driver,
 * which only keeps retainEntries for compaction.
 *
 * Nodes apply the same log, so with one policy they would all snapshot at the same moment, and a
 * cycle's work (encoding, then deleting tens of thousands of compacted rows) on every node at once
 * stalled commits: 90-260 ms at the open loop's p99 on 2 cores. So each node's first cycle waits
 * for a share more (firstCycleStagger): the nodes keep that offset, a fraction of a period apart,
 * so while one follower is in a cycle, the leader and another node still commit at full speed.
 */
import type { KvStateMachine, SnapshotJob } from '../kv/kv_state_machine.js';
import type { NodeDriver } from '../node/node_driver.js';
import type { SnapshotPolicy } from '../node/types.js';
import { assert } from '../lib/assert.js';
import type { Logger } from '../ports/logger.js';
import type { StagedSnapshotWrite } from '../storage/sqlite_snapshot_write.js';
import type { SnapshotStorage } from './snapshot_storage.js';

/** Longest stretch a snapshot step may hold the event loop before yielding. */
export const SNAPSHOT_STEP_BUDGET_MS = 4;
const ENCODE_BATCH_ENTRIES = 500;
const GARBAGE_BATCH_ENTRIES = 200;
/** Chunks are SNAPSHOT_CHUNK_BYTES each: freeing their pages is the slow part of garbage. */
const GARBAGE_BATCH_CHUNKS = 4;

type Phase =
  | { kind: 'idle' }
  | { kind: 'encoding'; job: SnapshotJob }
  | { kind: 'writing'; write: StagedSnapshotWrite; index: number }
  | { kind: 'collecting'; index: number };

interface Waiter {
  resolve: (index: number) => void;
  reject: (error: Error) => void;
}

export interface SnapshotRunnerOptions {
  driver: NodeDriver;
  stateMachine: KvStateMachine;
  storage: SnapshotStorage;
  policy: SnapshotPolicy;
  logger: Logger;
  /** The first cycle waits for (1 + this) times the policy's thresholds (see snapshotStagger); default 0. */
  firstCycleStagger?: number;
}

/** Stagger of node `id`'s first snapshot cycle: 0, 0.2, ... 0.8 for ids 1 to 5, then again. */
export function snapshotStagger(id: number): number {
  return ((id - 1) % 5) / 5;
}

export class SnapshotRunner {
  private readonly options: SnapshotRunnerOptions;
  private phase: Phase = { kind: 'idle' };
  private scheduled = false;
  private bytesSinceSnapshot = 0;
  /** Callers of requestNow() served by the cycle running now, and by the next one. */
  private waiters: Waiter[] = [];
  private nextWaiters: Waiter[] = [];
  private stopped = false;
  /** Longest single synchronous piece of snapshot work (capture, a step, the take), in ms. */
  stepMaxMs = 0;
  /** Snapshots stored through this runner since start. */
  snapshotsStored = 0;
  /** The thresholds' factor until the first cycle begins, then 1. */
  private thresholdFactor: number;
  /**
   * The index of the node's latest snapshot. The driver's status reports where the log was
   * compacted to, which is retainEntries lower until the next restart.
   */
  snapshotIndex: number;

  constructor(options: SnapshotRunnerOptions) {
    this.options = options;
    const stagger = options.firstCycleStagger ?? 0;
    assert(stagger >= 0 && stagger < 1, () => `firstCycleStagger must be in [0, 1), got ${stagger}`);
    this.thresholdFactor = 1 + stagger;
    // Right after recovery the log starts just after the stored snapshot.
    this.snapshotIndex = options.driver.status().snapshotIndex;
  }

  get busy(): boolean {
    return this.phase.kind !== 'idle';
  }

  /** Driver 'applied' events: count bytes, and start a cycle when the policy says so. */
  onApplied(bytes: number): void {
    this.bytesSinceSnapshot += bytes;
    if (this.phase.kind !== 'idle' || this.stopped) return;
    const { policy, driver } = this.options;
    const status = driver.status();
    const factor = this.thresholdFactor;
    if (status.appliedIndex - this.snapshotIndex >= policy.entriesThreshold * factor || this.bytesSinceSnapshot >= policy.bytesThreshold * factor) {
      this.begin();
    }
  }

  /** A snapshot from the leader replaced the state: counting starts over. */
  onInstalled(index: number): void {
    this.bytesSinceSnapshot = 0;
    this.snapshotIndex = Math.max(this.snapshotIndex, index);
  }

  /** A snapshot covering everything applied by now, stored durably; resolves with its index. */
  requestNow(): Promise<number> {
    if (this.stopped) return Promise.reject(new Error('the node is stopping'));
    return new Promise((resolve, reject) => {
      // A cycle still encoding ends at the applied index of its take, which is after now.
      if (this.phase.kind === 'idle' || this.phase.kind === 'encoding') this.waiters.push({ resolve, reject });
      else this.nextWaiters.push({ resolve, reject });
      if (this.phase.kind === 'idle') this.begin();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.phase.kind === 'encoding') this.options.stateMachine.cancelSnapshot();
    this.phase = { kind: 'idle' };
    const error = new Error('the node stopped before the snapshot was stored');
    for (const waiter of [...this.waiters, ...this.nextWaiters]) waiter.reject(error);
    this.waiters = [];
    this.nextWaiters = [];
  }

  private begin(): void {
    this.bytesSinceSnapshot = 0;
    this.thresholdFactor = 1;
    const job = this.timed(() => this.options.stateMachine.beginSnapshot());
    this.phase = { kind: 'encoding', job };
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.stopped || this.phase.kind === 'idle') return;
    try {
      this.timed(() => this.advance(performance.now() + SNAPSHOT_STEP_BUDGET_MS));
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.busy) this.schedule();
  };

  /** Does work of the current phase (moving on to the next ones) until the deadline. */
  private advance(deadlineMs: number): void {
    const { driver, storage, stateMachine } = this.options;
    while (performance.now() < deadlineMs) {
      const phase = this.currentPhase(); // finish() may have made it idle
      if (phase.kind === 'idle') return;
      if (phase.kind === 'encoding') {
        if (!phase.job.active) return this.finish(this.snapshotIndex); // an installed snapshot superseded it
        if (!phase.job.step(ENCODE_BATCH_ENTRIES)) continue;
        let index = 0;
        const write = storage.deferWhile(() => (index = driver.snapshotNow()));
        if (phase.job.active) stateMachine.cancelSnapshot(); // nothing new was applied: no snapshot taken
        this.snapshotIndex = Math.max(this.snapshotIndex, index);
        this.phase = write === null ? { kind: 'collecting', index } : { kind: 'writing', write, index };
        return; // the take was the biggest piece of this turn
      }
      if (phase.kind === 'writing') {
        if (!storage.isCurrent(phase.write)) {
          this.phase = { kind: 'collecting', index: this.snapshotIndex };
          continue;
        }
        if (!phase.write.step()) continue;
        if (storage.inner.commitSnapshotWrite(phase.write)) this.snapshotsStored++;
        storage.settle(phase.write);
        this.phase = { kind: 'collecting', index: phase.index };
        return;
      }
      if (storage.inner.collectGarbage(GARBAGE_BATCH_ENTRIES, GARBAGE_BATCH_CHUNKS) === 0) return this.finish(phase.index);
    }
  }

  private currentPhase(): Phase {
    return this.phase;
  }

  private finish(index: number): void {
    this.phase = { kind: 'idle' };
    const waiters = this.waiters;
    this.waiters = this.nextWaiters;
    this.nextWaiters = [];
    for (const waiter of waiters) waiter.resolve(index);
    if (this.waiters.length > 0) this.begin();
  }

  /** A storage failure: the disk still holds the previous snapshot and the whole log after it. */
  private fail(error: Error): void {
    this.options.logger.error({ error: error.message }, 'snapshot failed; the previous one stays');
    if (this.phase.kind === 'encoding') this.options.stateMachine.cancelSnapshot();
    this.phase = { kind: 'idle' };
    const waiters = [...this.waiters, ...this.nextWaiters];
    this.waiters = [];
    this.nextWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private timed<T>(fn: () => T): T {
    const startMs = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - startMs;
      if (ms > this.stepMaxMs) this.stepMaxMs = ms;
    }
  }
}
