/**
 * The linearizability search for the operations on one key: Wing & Gong's backtracking search with
 * Lowe's memoization, in the form Porcupine uses.
 *
 * Invoke and return events sit in one time-ordered doubly linked list. Walking it from the head, a
 * call event is a candidate to linearize next: if the model accepts it and (set of linearized
 * operations, resulting state) was never seen, the operation is lifted out of the list and the walk
 * restarts from the head. Reaching a return event means its operation should already have been
 * linearized: undo the last choice and try the next candidate. Unknown-outcome operations return at
 * +infinity, so they may be linearized at any point after their invoke, or never: the search
 * succeeds as soon as every `ok` operation is linearized.
 *
 * The search is exhaustive, so the furthest return event it ever reaches marks the longest
 * linearizable prefix of the history, and that event's operation is the one that cannot be placed.
 */
import { assert } from '../lib/assert.js';
import { nowMs } from './clock.js';
import type { Operation } from './history.js';
import { ILLEGAL, KV_INITIAL_STATE, type KvState, stepKv } from './kv_model.js';
import { StateMemo } from './state_memo.js';

export interface SearchLimits {
  /** Give up (verdict unknown) after this moment, in clock.ts nowMs() milliseconds. */
  deadlineMs: number;
  /** Give up after remembering this many (linearized set, state) pairs: bounds memory. */
  statesMax: number;
}

export type SearchResult =
  | { verdict: 'linearizable'; statesExplored: number; linearization: number[] }
  | {
      verdict: 'not-linearizable';
      statesExplored: number;
      /** Id of the operation that cannot be placed after the longest linearizable prefix. */
      failedOperationId: number;
      /** Ids of a linearization of the longest linearizable prefix, in order. */
      prefixLinearization: number[];
      /** The key's value after that linearization. */
      stateAfterPrefix: KvState;
    }
  | { verdict: 'unknown'; statesExplored: number; reason: 'deadline' | 'states' };

/** Searches for a linearization of operations on a single key (fail outcomes already left out). */
export function searchLinearization(ops: readonly Operation[], limits: SearchLimits): SearchResult {
  return new KeySearch(ops, limits).run();
}

/**
 * The search state. At each node, candidates with an `ok` outcome are tried before unknown ones
 * (phase 0, then phase 1): a state reached without some unknown operation is then usually
 * remembered before the same state with it, which the memo's dominance rule prunes.
 */
class KeySearch {
  private readonly ops: readonly Operation[];
  private readonly limits: SearchLimits;
  private readonly list: EventList;
  private readonly head: number;
  private readonly memo: StateMemo;
  private readonly states = new StateTable();
  private readonly stackEntry: number[] = [];
  private readonly stackState: number[] = [];
  private remainingOk = 0;
  private stateId: number;
  /** Whether the last linearized operation had an unknown outcome (see worthTrying). */
  private topIsUnknown = false;
  private deepest = -1;
  private failedOperationId = -1;
  private prefixLinearization: number[] = [];
  private stateAfterPrefix: KvState = null;

  constructor(ops: readonly Operation[], limits: SearchLimits) {
    this.ops = ops;
    this.limits = limits;
    this.list = buildEventList(ops);
    this.head = 2 * ops.length;
    this.memo = new StateMemo(ops.map((op) => op.outcome === 'unknown'));
    for (const op of ops) if (op.outcome === 'ok') this.remainingOk++;
    this.stateId = this.states.intern(KV_INITIAL_STATE);
  }

  run(): SearchResult {
    const { next, isCall } = this.list;
    if (this.remainingOk === 0) return { verdict: 'linearizable', statesExplored: 0, linearization: [] };
    let entry = next[this.head] as number;
    let phase = 0;
    for (let steps = 1; ; steps++) {
      if ((steps & 1023) === 0 && nowMs() > this.limits.deadlineMs) return this.giveUp('deadline');
      assert(entry >= 0, 'search walked past the last return event with ok operations left');
      if (isCall[entry] === 1) {
        const unknown = (this.opAt(entry) as Operation).outcome === 'unknown';
        if (unknown === (phase === 1) && this.tryLinearize(entry)) {
          if (this.remainingOk === 0) return { verdict: 'linearizable', statesExplored: this.memo.size, linearization: this.stackIds() };
          if (this.memo.size > this.limits.statesMax) return this.giveUp('states');
          entry = next[this.head] as number;
          phase = 0;
        } else {
          entry = next[entry] as number;
        }
        continue;
      }
      // A return event: its operation had to be linearized by now.
      if (phase === 0) {
        this.noteDepth(entry);
        entry = next[this.head] as number;
        phase = 1;
        continue;
      }
      const undone = this.backtrack();
      if (undone === undefined) return this.failure();
      entry = next[undone] as number;
      phase = (this.opAt(undone) as Operation).outcome === 'unknown' ? 1 : 0;
    }
  }

  private opAt(entry: number): Operation | undefined {
    return this.ops[this.list.opOf[entry] as number];
  }

  private tryLinearize(entry: number): boolean {
    const op = this.opAt(entry) as Operation;
    const state = this.states.value(this.stateId);
    const after = stepKv(state, op);
    if (after === ILLEGAL || !worthTrying(op, state, after, this.topIsUnknown)) return false;
    const afterId = this.states.intern(after);
    const unknown = op.outcome === 'unknown';
    const opIndex = this.list.opOf[entry] as number;
    if (!this.memo.visit(opIndex, 2 * afterId + (unknown ? 1 : 0))) return false;
    this.stackEntry.push(entry);
    this.stackState.push(this.stateId);
    this.stateId = afterId;
    this.topIsUnknown = unknown;
    if (!unknown) this.remainingOk--;
    lift(entry, this.list.partner[entry] as number, this.list.next, this.list.prev);
    return true;
  }

  /** Undoes the last choice; returns its call event, or undefined when nothing is left to undo. */
  private backtrack(): number | undefined {
    const undone = this.stackEntry.pop();
    if (undone === undefined) return undefined;
    if ((this.opAt(undone) as Operation).outcome === 'ok') this.remainingOk++;
    this.stateId = this.stackState.pop() as number;
    const below = this.stackEntry.at(-1);
    this.topIsUnknown = below !== undefined && (this.opAt(below) as Operation).outcome === 'unknown';
    this.memo.leave(this.list.opOf[undone] as number);
    unlift(undone, this.list.partner[undone] as number, this.list.next, this.list.prev);
    return undone;
  }

  /** The search is exhaustive, so the furthest return event reached ends the longest linearizable prefix. */
  private noteDepth(entry: number): void {
    if (entry <= this.deepest) return;
    this.deepest = entry;
    this.failedOperationId = (this.opAt(entry) as Operation).id;
    this.prefixLinearization = this.stackIds();
    this.stateAfterPrefix = this.states.value(this.stateId);
  }

  private stackIds(): number[] {
    return this.stackEntry.map((entry) => (this.opAt(entry) as Operation).id);
  }

  private giveUp(reason: 'deadline' | 'states'): SearchResult {
    return { verdict: 'unknown', statesExplored: this.memo.size, reason };
  }

  private failure(): SearchResult {
    return {
      verdict: 'not-linearizable',
      statesExplored: this.memo.size,
      failedOperationId: this.failedOperationId,
      prefixLinearization: this.prefixLinearization,
      stateAfterPrefix: this.stateAfterPrefix,
    };
  }
}

/** Interns key values as small integers, so a search state is (linearized set, number). */
class StateTable {
  private readonly ids = new Map<KvState, number>();
  private readonly values: KvState[] = [];

  intern(state: KvState): number {
    let id = this.ids.get(state);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(state);
      this.ids.set(state, id);
    }
    return id;
  }

  value(id: number): KvState {
    return this.values[id] as KvState;
  }
}

/**
 * Prunes choices that can never be needed, because leaving an unknown-outcome operation out of a
 * linearization is always allowed:
 * - an unknown operation that would not change the state (a read, a cas that would not swap) can
 *   be left out instead;
 * - an unknown operation directly followed by a blind write (write or delete, which ignore the
 *   state) had no visible effect, so that order is covered by the one without it.
 * Without this, every subset of pending unknown writes is a distinct search state, and a history
 * with a few dozen timeouts on one key cannot be shown non-linearizable in any sensible time.
 */
function worthTrying(op: Operation, state: KvState, after: KvState, topIsUnknown: boolean): boolean {
  if (op.outcome === 'unknown' && after === state) return false;
  if (topIsUnknown && (op.kind === 'write' || op.kind === 'delete')) return false;
  return true;
}

interface EventList {
  /** Indexed by event position in time order; slot 2n is the list head. -1 ends the list. */
  next: Int32Array;
  prev: Int32Array;
  opOf: Int32Array;
  isCall: Uint8Array;
  /** For a call event, its return event. */
  partner: Int32Array;
}

function buildEventList(ops: readonly Operation[]): EventList {
  const n = ops.length;
  const order: Array<{ time: number; isReturn: number; op: number }> = [];
  ops.forEach((op, i) => {
    order.push({ time: op.invokeTime, isReturn: 0, op: i });
    order.push({ time: op.returnTime, isReturn: 1, op: i });
  });
  // Calls before returns at equal times: touching intervals count as concurrent.
  order.sort((a, b) => (a.time === b.time ? a.isReturn - b.isReturn || a.op - b.op : a.time < b.time ? -1 : 1));
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  const opOf = new Int32Array(2 * n);
  const isCall = new Uint8Array(2 * n);
  const partner = new Int32Array(2 * n);
  const callOf = new Int32Array(n);
  const head = 2 * n;
  let last = head;
  order.forEach((event, position) => {
    opOf[position] = event.op;
    if (event.isReturn === 0) {
      isCall[position] = 1;
      callOf[event.op] = position;
    } else {
      partner[callOf[event.op] as number] = position;
    }
    next[last] = position;
    prev[position] = last;
    last = position;
  });
  next[last] = -1;
  if (n === 0) next[head] = -1;
  return { next, prev, opOf, isCall, partner };
}

function lift(call: number, ret: number, next: Int32Array, prev: Int32Array): void {
  next[prev[call] as number] = next[call] as number;
  prev[next[call] as number] = prev[call] as number;
  next[prev[ret] as number] = next[ret] as number;
  const after = next[ret] as number;
  if (after >= 0) prev[after] = prev[ret] as number;
}

function unlift(call: number, ret: number, next: Int32Array, prev: Int32Array): void {
  next[prev[ret] as number] = ret;
  const after = next[ret] as number;
  if (after >= 0) prev[after] = ret;
  next[prev[call] as number] = call;
  prev[next[call] as number] = call;
}

