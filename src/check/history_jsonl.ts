/**
 * The JSON-lines history file: one event per line, invoke and return events joined by an op id.
 *
 *   {"type":"invoke","op":1,"client":3,"kind":"write","key":"x","input":"5","time":100}
 *   {"type":"return","op":1,"outcome":"ok","time":105}
 *   {"type":"invoke","op":2,"client":4,"kind":"cas","key":"x","input":{"expected":"5","value":"6"},"time":101}
 *   {"type":"return","op":2,"outcome":"ok","output":true,"time":107}
 *   {"type":"invoke","op":3,"client":5,"kind":"read","key":"x","time":110}
 *   {"type":"return","op":3,"outcome":"unknown"}
 *
 * - `op`: an integer unique in the file; `client`: an integer; `time`: a finite number (any unit).
 * - `kind` and `input`: read (no input), write/append (string), delete (no input),
 *   cas ({"expected": string|null, "value": string}).
 * - `outcome`: ok | fail | unknown. `output` is required for ok reads (string or null) and ok cas
 *   (true when it swapped); it is ignored otherwise. A return with outcome unknown needs no time.
 * - An invoke without a return is an unknown outcome (the client never heard back).
 * - Blank lines are skipped. Events may come in any order; the times decide.
 */
import {
  type CasInput,
  type History,
  type Operation,
  type OperationKind,
  type Outcome,
  inputProblem,
  isOperationKind,
  isOutcome,
  outputProblem,
} from './history.js';

export interface HistoryParseError {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

export type HistoryParseResult = { ok: true; history: Operation[] } | { ok: false; errors: HistoryParseError[] };

interface PendingInvoke {
  line: number;
  clientId: number;
  kind: OperationKind;
  key: string;
  input: unknown;
  time: number;
}

/** At most this many errors are reported; after that the file is clearly not a history. */
const ERRORS_MAX = 20;

class LineError extends Error {}

function field<T>(record: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T {
  const value = record[name];
  if (!check(value)) throw new LineError(`"${name}" must be ${what}, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';

export function parseHistoryJsonLines(text: string): HistoryParseResult {
  const errors: HistoryParseError[] = [];
  const invokes = new Map<number, PendingInvoke>();
  const operations = new Map<number, Operation>();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length && errors.length < ERRORS_MAX; index++) {
    const raw = (lines[index] as string).trim();
    if (raw === '') continue;
    const line = index + 1;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (error) {
        throw new LineError(`not valid JSON (${(error as Error).message})`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LineError('an event must be a JSON object');
      const record = parsed as Record<string, unknown>;
      const opId = field(record, 'op', isInteger, 'an integer op id');
      if (record['type'] === 'invoke') readInvoke(record, opId, line, invokes, operations);
      else if (record['type'] === 'return') readReturn(record, opId, invokes, operations);
      else throw new LineError(`"type" must be "invoke" or "return", got ${JSON.stringify(record['type']) ?? 'nothing'}`);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      errors.push({ line, message: error.message });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  for (const [opId, pending] of invokes) operations.set(opId, makeOperation(opId, pending, 'unknown', Infinity, null));
  const history = [...operations.values()].sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
  return { ok: true, history };
}

function readInvoke(
  record: Record<string, unknown>,
  opId: number,
  line: number,
  invokes: Map<number, PendingInvoke>,
  operations: Map<number, Operation>,
): void {
  if (invokes.has(opId) || operations.has(opId)) throw new LineError(`op ${opId} is invoked twice`);
  const clientId = field(record, 'client', isInteger, 'an integer client id');
  const kind = field(record, 'kind', isOperationKind, 'one of read, write, cas, append, delete');
  const key = field(record, 'key', isString, 'a string');
  const time = field(record, 'time', isFiniteNumber, 'a finite number');
  const input = record['input'] ?? null;
  const why = inputProblem(kind, input);
  if (why) throw new LineError(why);
  invokes.set(opId, { line, clientId, kind, key, input, time });
}

function readReturn(
  record: Record<string, unknown>,
  opId: number,
  invokes: Map<number, PendingInvoke>,
  operations: Map<number, Operation>,
): void {
  const pending = invokes.get(opId);
  if (!pending) {
    throw new LineError(operations.has(opId) ? `op ${opId} returns twice` : `op ${opId} returns but was never invoked (invoke it on an earlier line)`);
  }
  const outcome = field(record, 'outcome', isOutcome, 'one of ok, fail, unknown');
  let returnTime = Infinity;
  if (outcome !== 'unknown') {
    returnTime = field(record, 'time', isFiniteNumber, 'a finite number');
    if (returnTime < pending.time) {
      throw new LineError(`op ${opId} returns at ${returnTime}, before its invoke at ${pending.time} (line ${pending.line})`);
    }
  }
  const needsOutput = outcome === 'ok' && (pending.kind === 'read' || pending.kind === 'cas');
  if (needsOutput && !('output' in record)) {
    throw new LineError(`an ok ${pending.kind} needs "output" (${pending.kind === 'read' ? 'the value read, or null' : 'true if it swapped'})`);
  }
  const output = outcome === 'ok' ? (record['output'] ?? null) : null;
  const why = outcome === 'ok' ? outputProblem(pending.kind, output) : null;
  if (why) throw new LineError(why);
  invokes.delete(opId);
  operations.set(opId, makeOperation(opId, pending, outcome, returnTime, output));
}

function makeOperation(id: number, pending: PendingInvoke, outcome: Outcome, returnTime: number, output: unknown): Operation {
  const common = { id, clientId: pending.clientId, key: pending.key, invokeTime: pending.time, returnTime, outcome };
  switch (pending.kind) {
    case 'read':
      return { ...common, kind: 'read', input: null, output: output as string | null };
    case 'write':
    case 'append':
      return { ...common, kind: pending.kind, input: pending.input as string, output: null };
    case 'delete':
      return { ...common, kind: 'delete', input: null, output: null };
    case 'cas': {
      const { expected, value } = pending.input as CasInput;
      return { ...common, kind: 'cas', input: { expected, value }, output: output as boolean | null };
    }
  }
}

/** Writes a history as JSON lines in time order (invokes before returns at equal times). */
export function formatHistoryJsonLines(history: History): string {
  const events: Array<{ time: number; order: number; text: string }> = [];
  for (const op of history) {
    const invoke: Record<string, unknown> = { type: 'invoke', op: op.id, client: op.clientId, kind: op.kind, key: op.key };
    if (op.input !== null) invoke['input'] = op.input;
    invoke['time'] = op.invokeTime;
    events.push({ time: op.invokeTime, order: 0, text: JSON.stringify(invoke) });
    const ret: Record<string, unknown> = { type: 'return', op: op.id, outcome: op.outcome };
    if (op.outcome === 'ok' && (op.kind === 'read' || op.kind === 'cas')) ret['output'] = op.output;
    if (op.outcome !== 'unknown') ret['time'] = op.returnTime;
    events.push({ time: op.returnTime, order: 1, text: JSON.stringify(ret) });
  }
  events.sort((a, b) => a.time - b.time || a.order - b.order);
  return events.map((event) => event.text + '\n').join('');
}
