/**
 * Seeded random histories for testing and benchmarking the checker.
 *
 * `randomHistory` runs a real sequential execution: every operation gets an invoke time, a
 * linearization point inside its interval and a return time; applying the operations to the
 * model in linearization-point order gives the outputs. Such a history is linearizable by
 * construction. Unknown outcomes took effect or not (a coin flip), possibly after the client gave
 * up; failed ones never did.
 *
 * `corruptHistory` changes one read so the history cannot be linearizable, and says which.
 */
import { Prng } from '../lib/prng.js';
import type { History, Operation, OperationKind, Outcome, Value } from './history.js';
import { ILLEGAL, stepKv } from './kv_model.js';

export interface RandomHistoryOptions {
  seed: number;
  operations: number;
  /** Clients issuing operations one at a time each (default 10). */
  clients?: number;
  keys?: number;
  /** Longest time from invoke to linearization point, and from there to return (default 10). */
  latencyMax?: number;
  /** Longest pause of a client between two operations (default 5). */
  thinkMax?: number;
  unknownRate?: number;
  failRate?: number;
  /** Relative weights of operation kinds (default read 4, write 3, cas 1.5, append 1, delete 0.5). */
  weights?: Partial<Record<OperationKind, number>>;
}

const DEFAULT_WEIGHTS: Record<OperationKind, number> = { read: 4, write: 3, cas: 1.5, append: 1, delete: 0.5 };

interface Planned {
  op: Operation;
  pointTime: number;
  applies: boolean;
}

export function randomHistory(options: RandomHistoryOptions): Operation[] {
  const random = new Prng(options.seed);
  const clients = options.clients ?? 10;
  const keys = Array.from({ length: options.keys ?? 5 }, (_, i) => `k${i}`);
  const latencyMax = options.latencyMax ?? 10;
  const thinkMax = options.thinkMax ?? 5;
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const freeAt = new Array<number>(clients).fill(0);
  const planned: Planned[] = [];
  for (let id = 0; id < options.operations; id++) {
    let client = 0;
    for (let c = 1; c < clients; c++) if ((freeAt[c] as number) < (freeAt[client] as number)) client = c;
    const invokeTime = (freeAt[client] as number) + random.int(0, thinkMax);
    const outcome: Outcome = random.chance(options.failRate ?? 0.02) ? 'fail' : random.chance(options.unknownRate ?? 0.02) ? 'unknown' : 'ok';
    // A request whose reply was lost may still take effect well after the client gave up on it.
    const pointTime = invokeTime + random.int(0, outcome === 'unknown' ? 4 * latencyMax : latencyMax);
    const returnTime = Math.min(pointTime, invokeTime + latencyMax) + random.int(0, latencyMax);
    freeAt[client] = returnTime + 1;
    const kind = pickKind(random, weights);
    const key = random.pick(keys);
    const op = blankOperation(id, client, kind, key, invokeTime, outcome === 'unknown' ? Infinity : returnTime, outcome);
    planned.push({ op, pointTime, applies: outcome === 'ok' || (outcome === 'unknown' && random.chance(0.5)) });
  }
  applyInPointOrder(planned, random);
  return planned.map((p) => p.op);
}

function pickKind(random: Prng, weights: Record<OperationKind, number>): OperationKind {
  const kinds = Object.keys(weights) as OperationKind[];
  let roll = random.next() * kinds.reduce((sum, kind) => sum + weights[kind], 0);
  for (const kind of kinds) {
    roll -= weights[kind];
    if (roll < 0) return kind;
  }
  return 'read';
}

/** Values are unique per operation, and write values ("w7") never equal an append or cas result. */
function blankOperation(id: number, clientId: number, kind: OperationKind, key: string, invokeTime: number, returnTime: number, outcome: Outcome): Operation {
  const common = { id, clientId, key, invokeTime, returnTime, outcome };
  switch (kind) {
    case 'read':
      return { ...common, kind, input: null, output: null };
    case 'write':
      return { ...common, kind, input: `w${id}`, output: null };
    case 'append':
      return { ...common, kind, input: `+${id}`, output: null };
    case 'delete':
      return { ...common, kind, input: null, output: null };
    case 'cas':
      return { ...common, kind, input: { expected: null, value: `c${id}` }, output: null };
  }
}

function applyInPointOrder(planned: Planned[], random: Prng): void {
  const state = new Map<string, Value>();
  const seen = new Map<string, Value[]>();
  const order = [...planned].sort((a, b) => a.pointTime - b.pointTime || a.op.id - b.op.id);
  for (const { op, applies } of order) {
    const current = state.get(op.key) ?? null;
    const history = seen.get(op.key) ?? [null];
    if (op.kind === 'cas') {
      // Expect the current value half the time, otherwise some value the key once had.
      op.input.expected = random.chance(0.5) ? current : random.pick(history);
      if (op.outcome === 'ok') op.output = current === op.input.expected;
    }
    if (op.kind === 'read' && op.outcome === 'ok') op.output = current;
    if (!applies) continue;
    const after = stepKv(current, op);
    if (after === ILLEGAL) throw new Error(`generator bug: operation ${op.id} is illegal in its own execution`);
    state.set(op.key, after);
    if (after !== current) seen.set(op.key, [...history.slice(-7), after]);
  }
}

export interface Corruption {
  history: Operation[];
  /** The read whose output was changed. */
  operationId: number;
  /** stale: it now returns a value overwritten before it began; phantom: a value never written. */
  how: 'stale' | 'phantom';
}

/**
 * Changes one ok read so no linearization exists. A stale read returns the value of a write W
 * although another write or delete W2 ran strictly after W and strictly before the read: W's
 * value is unique, so the key cannot hold it again. Without such a read, a read returns a value
 * nobody wrote.
 */
export function corruptHistory(history: History, seed: number): Corruption | null {
  const random = new Prng(seed);
  const reads = random.shuffle(history.filter((op) => op.kind === 'read' && op.outcome === 'ok'));
  if (reads.length === 0) return null;
  const overwrites = history.filter((op) => op.outcome === 'ok' && (op.kind === 'write' || op.kind === 'delete'));
  for (const read of reads.slice(0, 64)) {
    for (const w2 of overwrites) {
      if (w2.key !== read.key || !(w2.returnTime < read.invokeTime)) continue;
      const w = overwrites.find((op) => op.kind === 'write' && op.key === read.key && op.returnTime < w2.invokeTime && op.input !== read.output && op.input !== w2.input);
      if (w?.kind === 'write') return { history: replaceOutput(history, read.id, w.input), operationId: read.id, how: 'stale' };
    }
  }
  const read = reads[0] as Operation;
  return { history: replaceOutput(history, read.id, 'never-written'), operationId: read.id, how: 'phantom' };
}

function replaceOutput(history: History, id: number, output: string): Operation[] {
  return history.map((op) => (op.id === id && op.kind === 'read' ? { ...op, output } : op));
}
