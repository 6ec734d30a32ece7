/**
 * Records a client history as the checker reads it (src/check/history.ts): each operation's
 * invocation and return on the caller's monotonic clock, with its outcome. An operation still
 * in flight when the history is taken counts as unknown (it may yet take effect), never as failed.
 */
import type { Operation, Outcome, Value } from '../check/history.js';
import type { PlannedOperation } from './op_picker.js';

interface Pending {
  id: number;
  clientId: number;
  planned: PlannedOperation;
  invokeTime: number;
}

export class HistoryRecorder {
  private readonly done: Operation[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Records the invocation; returns the operation's id for complete(). */
  invoke(clientId: number, planned: PlannedOperation, time: number): number {
    const id = this.nextId++;
    this.pending.set(id, { id, clientId, planned, invokeTime: time });
    return id;
  }

  /** `output`: the value read (read), whether it swapped (cas), null otherwise; ignored unless ok. */
  complete(id: number, outcome: Outcome, output: Value | boolean, time: number): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    this.done.push(toOperation(pending, outcome, output, time));
  }

  get size(): number {
    return this.done.length + this.pending.size;
  }

  /** Every operation so far, in id order; those in flight as unknown. */
  history(): Operation[] {
    const inFlight = [...this.pending.values()].map((p) => toOperation(p, 'unknown', null, Infinity));
    return [...this.done, ...inFlight].sort((a, b) => a.id - b.id);
  }
}

/** Rounds to microseconds: enough for ordering, and keeps history.jsonl readable. */
function roundTime(time: number): number {
  return Number.isFinite(time) ? Math.round(time * 1000) / 1000 : time;
}

function toOperation(pending: Pending, outcome: Outcome, output: Value | boolean, time: number): Operation {
  const { id, clientId, planned } = pending;
  const invokeTime = roundTime(pending.invokeTime);
  const returnTime = outcome === 'unknown' ? Infinity : Math.max(invokeTime, roundTime(time));
  const common = { id, clientId, key: planned.key, invokeTime, returnTime, outcome };
  const ok = outcome === 'ok';
  switch (planned.kind) {
    case 'read':
      return { ...common, kind: 'read', input: null, output: ok && typeof output !== 'boolean' ? output : null };
    case 'write':
      return { ...common, kind: 'write', input: planned.input, output: null };
    case 'append':
      return { ...common, kind: 'append', input: planned.input, output: null };
    case 'delete':
      return { ...common, kind: 'delete', input: null, output: null };
    case 'cas':
      return { ...common, kind: 'cas', input: planned.input, output: ok && typeof output === 'boolean' ? output : null };
  }
}
