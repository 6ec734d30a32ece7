import type { StateMachine } from '../ports/state_machine.js';
import type { NodeError, ReadOutcome } from './types.js';

export type ReadCallback = (outcome: ReadOutcome) => void;

/** The result of a read barrier and of entries that are not commands: shared, never written to. */
export const EMPTY_RESULT = new Uint8Array(0);

/** A read's answer now: the state machine's, or the empty result of a barrier (a null query). */
export function answerRead(query: Uint8Array | null, stateMachine: StateMachine): Uint8Array {
  return query === null ? EMPTY_RESULT : stateMachine.query(query);
}

export interface PendingRead {
  /** null: a read barrier, answered with an empty result (see NodeDriver.read). */
  query: Uint8Array | null;
  deadlineTick: number;
  callback: ReadCallback;
}

/**
 * Linearizable reads through ReadIndex, batched: every read that arrived before a flush shares one
 * readIndex() request id (one quorum round serves them all). A batch moves from "in flight"
 * (waiting for the core's ReadState) to "confirmed" (waiting for the state machine to reach the
 * read index), then is answered from the state machine.
 */
export class PendingReads {
  private queued: PendingRead[] = [];
  private readonly inFlight = new Map<number, PendingRead[]>();
  private confirmed: Array<{ index: number; reads: PendingRead[] }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  enqueue(read: PendingRead): void {
    this.queued.push(read);
    this.count++;
  }

  hasQueued(): boolean {
    return this.queued.length > 0;
  }

  /** Takes the reads that arrived since the last flush, for one readIndex() call. */
  takeQueued(): PendingRead[] {
    const batch = this.queued;
    this.queued = [];
    return batch;
  }

  startBatch(requestId: number, batch: PendingRead[]): void {
    this.inFlight.set(requestId, batch);
  }

  /** A batch confirmed without a round of its own (the leader's lease holds) at `index`. */
  confirmBatch(batch: PendingRead[], index: number): void {
    this.confirmed.push({ index, reads: batch });
  }

  /** A batch that never started (readIndex refused it). */
  failBatch(batch: PendingRead[], error: NodeError): void {
    this.count -= batch.length;
    for (const read of batch) read.callback({ ok: false, error });
  }

  confirm(requestId: number, index: number): void {
    const reads = this.inFlight.get(requestId);
    if (reads === undefined) return; // timed out meanwhile
    this.inFlight.delete(requestId);
    this.confirmed.push({ index, reads });
  }

  drop(requestId: number, error: NodeError): void {
    const reads = this.inFlight.get(requestId);
    if (reads === undefined) return;
    this.inFlight.delete(requestId);
    this.failBatch(reads, error);
  }

  /** Answers every confirmed batch whose index the state machine has reached. */
  serve(appliedIndex: number, stateMachine: StateMachine): void {
    if (this.confirmed.length === 0) return;
    const ready = this.confirmed.filter((batch) => batch.index <= appliedIndex);
    if (ready.length === 0) return;
    this.confirmed = this.confirmed.filter((batch) => batch.index > appliedIndex);
    for (const batch of ready) {
      this.count -= batch.reads.length;
      for (const read of batch.reads) {
        read.callback({ ok: true, index: appliedIndex, result: answerRead(read.query, stateMachine) });
      }
    }
  }

  expire(nowTick: number): void {
    if (this.count === 0) return;
    const expired: PendingRead[] = [];
    const keep = (read: PendingRead): boolean => {
      if (read.deadlineTick > nowTick) return true;
      expired.push(read);
      return false;
    };
    this.queued = this.queued.filter(keep);
    for (const [id, reads] of this.inFlight) {
      const left = reads.filter(keep);
      if (left.length === 0) this.inFlight.delete(id);
      else this.inFlight.set(id, left);
    }
    for (const batch of this.confirmed) batch.reads = batch.reads.filter(keep);
    this.confirmed = this.confirmed.filter((batch) => batch.reads.length > 0);
    this.failBatch(expired, { type: 'timeout' });
  }

  failAll(error: NodeError): void {
    const all = [...this.queued, ...[...this.inFlight.values()].flat(), ...this.confirmed.flatMap((b) => b.reads)];
    this.queued = [];
    this.inFlight.clear();
    this.confirmed = [];
    this.failBatch(all, error);
  }
}
