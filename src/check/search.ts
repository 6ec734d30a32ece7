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
import { Prng } from '../lib/prng.js';
import { nowMs } from './clock.js';
import type { Operation } from './history.js';
import { ILLEGAL, KV_INITIAL_STATE, type KvState, stepKv } from './kv_model.js';

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

const HASH_SPAN = 2 ** 21;

/** Searches for a linearization of operations on a single key (fail outcomes already left out). */
export function searchLinearization(ops: readonly Operation[], limits: SearchLimits): SearchResult {
  const n = ops.length;
  const list = buildEventList(ops);
  const { next, prev, opOf, isCall, partner } = list;
  const head = 2 * n;
  const words = Math.ceil(n / 32);
  const bits = new Uint32Array(words);
  const zobrist = zobristKeys(n);
  const memo = new Map<number, Array<{ bits: Uint32Array; stateId: number }>>();
  const stateIds = new Map<KvState, number>();
  const states: KvState[] = [];
  const intern = (state: KvState): number => {
    let id = stateIds.get(state);
    if (id === undefined) {
      id = states.length;
      states.push(state);
      stateIds.set(state, id);
    }
    return id;
  };

  const stackEntry: number[] = [];
  const stackState: number[] = [];
  let remainingOk = 0;
  for (const op of ops) if (op.outcome === 'ok') remainingOk++;
  let state = KV_INITIAL_STATE;
  let stateId = intern(state);
  let hashA = 0;
  let hashB = 0;
  let statesExplored = 0;
  let deepest = -1;
  let failedOperationId = -1;
  let prefixLinearization: number[] = [];
  let stateAfterPrefix: KvState = null;
  const stackIds = (): number[] => stackEntry.map((e) => (ops[opOf[e] as number] as Operation).id);

  if (remainingOk === 0) return { verdict: 'linearizable', statesExplored, linearization: [] };
  let entry = next[head] as number;
  for (let steps = 1; ; steps++) {
    if ((steps & 1023) === 0 && nowMs() > limits.deadlineMs) return { verdict: 'unknown', statesExplored, reason: 'deadline' };
    assert(entry >= 0, 'search walked past the last return event with ok operations left');
    const opIndex = opOf[entry] as number;
    const op = ops[opIndex] as Operation;
    if (isCall[entry] === 1) {
      const after = stepKv(state, op);
      if (after !== ILLEGAL) {
        const afterId = intern(after);
        const word = opIndex >>> 5;
        const mask = 1 << (opIndex & 31);
        bits[word] = (bits[word] as number) | mask;
        const nextA = (hashA ^ (zobrist[2 * opIndex] as number)) >>> 0;
        const nextB = (hashB ^ (zobrist[2 * opIndex + 1] as number)) >>> 0;
        if (remember(memo, memoKey(nextA, nextB, afterId), bits, afterId)) {
          if (++statesExplored > limits.statesMax) return { verdict: 'unknown', statesExplored, reason: 'states' };
          stackEntry.push(entry);
          stackState.push(stateId);
          state = after;
          stateId = afterId;
          hashA = nextA;
          hashB = nextB;
          lift(entry, partner[entry] as number, next, prev);
          if (op.outcome === 'ok' && --remainingOk === 0) return { verdict: 'linearizable', statesExplored, linearization: stackIds() };
          entry = next[head] as number;
          continue;
        }
        bits[word] = (bits[word] as number) & ~mask;
      }
      entry = next[entry] as number;
      continue;
    }
    // A return event: its operation had to be linearized by now.
    if (entry > deepest) {
      deepest = entry;
      failedOperationId = op.id;
      prefixLinearization = stackIds();
      stateAfterPrefix = state;
    }
    const undone = stackEntry.pop();
    if (undone === undefined) {
      return { verdict: 'not-linearizable', statesExplored, failedOperationId, prefixLinearization, stateAfterPrefix };
    }
    const undoneIndex = opOf[undone] as number;
    const undoneOp = ops[undoneIndex] as Operation;
    if (undoneOp.outcome === 'ok') remainingOk++;
    stateId = stackState.pop() as number;
    state = states[stateId] as KvState;
    bits[undoneIndex >>> 5] = (bits[undoneIndex >>> 5] as number) & ~(1 << (undoneIndex & 31));
    hashA = (hashA ^ (zobrist[2 * undoneIndex] as number)) >>> 0;
    hashB = (hashB ^ (zobrist[2 * undoneIndex + 1] as number)) >>> 0;
    unlift(undone, partner[undone] as number, next, prev);
    entry = next[undone] as number;
  }
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

/** Two independent 32-bit random keys per operation, XORed into the linearized set's hash. */
function zobristKeys(n: number): Uint32Array {
  const random = new Prng(0x5eed ^ n);
  const keys = new Uint32Array(2 * n);
  for (let i = 0; i < keys.length; i++) keys[i] = random.nextUint32();
  return keys;
}

function memoKey(hashA: number, hashB: number, stateId: number): number {
  return ((hashA ^ Math.imul(stateId, 0x9e3779b1)) >>> 0) * HASH_SPAN + (hashB & (HASH_SPAN - 1));
}

/** Records (bits, stateId) under its hash; false when it was already there. */
function remember(memo: Map<number, Array<{ bits: Uint32Array; stateId: number }>>, key: number, bits: Uint32Array, stateId: number): boolean {
  const bucket = memo.get(key);
  if (bucket === undefined) {
    memo.set(key, [{ bits: bits.slice(), stateId }]);
    return true;
  }
  for (const seen of bucket) {
    if (seen.stateId === stateId && sameBits(seen.bits, bits)) return false;
  }
  bucket.push({ bits: bits.slice(), stateId });
  return true;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
