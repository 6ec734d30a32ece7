/**
 * Jepsen/Knossos single-register histories in EDN, e.g.
 *
 *   {:process 0, :type :invoke, :f :write, :value 3}
 *   {:process 1, :type :invoke, :f :cas, :value [3 4]}
 *   {:process 0, :type :ok, :f :write, :value 3}
 *   {:process 1, :type :info, :f :cas, :value [3 4]}
 *   {:process 2, :type :invoke, :f :read, :value nil}
 *   {:process 2, :type :ok, :f :read, :value 4}
 *
 * The file is either a sequence of op maps or one vector/list of them. Each :invoke is paired with
 * the next completion of the same process: :ok (took effect), :fail (did not), :info (unknown).
 * Event order is real-time order, so an event's position is its time (:time is not needed).
 * Non-integer processes (the :nemesis) are skipped. Values become strings (3 → "3", nil → null).
 */
import { type EdnMap, type EdnValue, EdnError, isKeyword, mapGet, parseEdnForms } from './edn.js';
import type { History, Operation, Outcome, Value } from './history.js';
import type { HistoryParseError } from './history_jsonl.js';

export interface JepsenImportOptions {
  /** The key the register's operations get (default "register"). */
  key?: string;
}

export type JepsenImportResult = { ok: true; history: Operation[]; skippedEvents: number } | { ok: false; errors: HistoryParseError[] };

type RegisterFunction = 'read' | 'write' | 'cas';

interface OpenInvoke {
  line: number;
  time: number;
  f: RegisterFunction;
  value: EdnValue;
}

class ImportError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

export function importJepsenEdn(text: string, options: JepsenImportOptions = {}): JepsenImportResult {
  const key = options.key ?? 'register';
  let forms;
  try {
    forms = parseEdnForms(text);
  } catch (error) {
    if (error instanceof EdnError) return { ok: false, errors: [{ line: error.line, message: error.message }] };
    throw error;
  }
  const first = forms[0]?.value;
  const events =
    forms.length === 1 && typeof first === 'object' && first !== null && (first.type === 'vector' || first.type === 'list')
      ? first.items.map((value) => ({ value, line: forms[0]?.line ?? 1 }))
      : forms;
  try {
    return { ok: true, ...pairEvents(events, key) };
  } catch (error) {
    if (error instanceof ImportError) return { ok: false, errors: [{ line: error.line, message: error.message }] };
    throw error;
  }
}

function pairEvents(events: ReadonlyArray<{ value: EdnValue; line: number }>, key: string): { history: Operation[]; skippedEvents: number } {
  const open = new Map<number, OpenInvoke>();
  const history: Operation[] = [];
  let skippedEvents = 0;
  events.forEach(({ value, line }, time) => {
    if (typeof value !== 'object' || value === null || value.type !== 'map') throw new ImportError('each event must be a map like {:process 0, :type :invoke, ...}', line);
    const process = mapGet(value, 'process');
    if (typeof process !== 'number' || !Number.isSafeInteger(process)) {
      skippedEvents++;
      return;
    }
    const type = keywordField(value, 'type', line);
    const f = keywordField(value, 'f', line);
    if (f !== 'read' && f !== 'write' && f !== 'cas') throw new ImportError(`:f :${f} is not a register operation (read, write, cas)`, line);
    const opValue = mapGet(value, 'value') ?? null;
    if (type === 'invoke') {
      if (open.has(process)) throw new ImportError(`process ${process} invokes again before its :invoke on line ${open.get(process)?.line} completed`, line);
      open.set(process, { line, time, f, value: opValue });
      return;
    }
    if (type !== 'ok' && type !== 'fail' && type !== 'info') throw new ImportError(`:type :${type} must be :invoke, :ok, :fail or :info`, line);
    const invoke = open.get(process);
    if (!invoke) throw new ImportError(`process ${process} completes (:${type}) without an :invoke`, line);
    if (invoke.f !== f) throw new ImportError(`process ${process} invoked :${invoke.f} (line ${invoke.line}) but completes :${f}`, line);
    open.delete(process);
    const outcome: Outcome = type === 'ok' ? 'ok' : type === 'fail' ? 'fail' : 'unknown';
    history.push(makeOperation(history.length, process, key, invoke, outcome, outcome === 'unknown' ? Infinity : time, opValue, line));
  });
  for (const [process, invoke] of open) {
    history.push(makeOperation(history.length, process, key, invoke, 'unknown', Infinity, null, invoke.line));
  }
  history.sort((a, b) => a.invokeTime - b.invokeTime);
  return { history, skippedEvents };
}

function keywordField(map: EdnMap, name: string, line: number): string {
  const value = mapGet(map, name);
  if (!isKeyword(value)) throw new ImportError(`:${name} must be a keyword`, line);
  return value.name;
}

function toValue(value: EdnValue, line: number): Value {
  if (value === null) return null;
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value.type === 'keyword') return `:${value.name}`;
  throw new ImportError('register values must be numbers, strings, keywords or nil', line);
}

function makeOperation(
  id: number,
  clientId: number,
  key: string,
  invoke: OpenInvoke,
  outcome: Outcome,
  returnTime: number,
  completion: EdnValue,
  line: number,
): Operation {
  const common = { id, clientId, key, invokeTime: invoke.time, returnTime, outcome };
  switch (invoke.f) {
    case 'read':
      return { ...common, kind: 'read', input: null, output: outcome === 'ok' ? toValue(completion, line) : null };
    case 'write': {
      const input = toValue(invoke.value, invoke.line);
      if (input === null) throw new ImportError('a :write needs a value', invoke.line);
      return { ...common, kind: 'write', input, output: null };
    }
    case 'cas': {
      const pair = invoke.value;
      if (typeof pair !== 'object' || pair === null || (pair.type !== 'vector' && pair.type !== 'list') || pair.items.length !== 2) {
        throw new ImportError('a :cas value must be [expected new]', invoke.line);
      }
      const expected = toValue(pair.items[0] as EdnValue, invoke.line);
      const value = toValue(pair.items[1] as EdnValue, invoke.line);
      if (value === null) throw new ImportError('a :cas cannot set nil', invoke.line);
      return { ...common, kind: 'cas', input: { expected, value }, output: outcome === 'ok' ? true : null };
    }
  }
}

function ednValue(value: Value): string {
  if (value === null) return 'nil';
  if (/^-?\d{1,15}$/.test(value)) return value;
  if (/^:[A-Za-z][\w.*+!?-]*$/.test(value)) return value;
  return JSON.stringify(value);
}

/**
 * Writes a single-register history as Jepsen EDN events (one map per line, time order). Only
 * read, write and cas fit that model; a cas that did not swap is written as :fail, as Knossos does.
 * An unknown outcome is written as :info right after its invoke (Jepsen retires such a process).
 * When a client has two operations in flight at once, the later one gets a fresh process number.
 */
export function formatJepsenEdn(history: History): string {
  const events: Array<{ time: number; order: number; op: Operation }> = [];
  let processNext = 0;
  for (const op of history) {
    if (op.kind === 'append' || op.kind === 'delete') throw new RangeError(`operation ${op.id}: ${op.kind} has no Jepsen register form`);
    events.push({ time: op.invokeTime, order: 0, op });
    if (op.outcome === 'unknown') events.push({ time: op.invokeTime, order: 0.5, op });
    else events.push({ time: op.returnTime, order: 1, op });
    processNext = Math.max(processNext, op.clientId + 1);
  }
  events.sort((a, b) => a.time - b.time || a.order - b.order);
  const busyClients = new Set<number>();
  const processOf = new Map<number, number>();
  const lines: string[] = [];
  for (const { order, op } of events) {
    if (order === 0) {
      const process = busyClients.has(op.clientId) ? processNext++ : op.clientId;
      if (process === op.clientId) busyClients.add(op.clientId);
      processOf.set(op.id, process);
    } else if (processOf.get(op.id) === op.clientId) {
      busyClients.delete(op.clientId);
    }
    lines.push(formatEvent(op, order === 0 ? null : op.outcome, processOf.get(op.id) ?? op.clientId));
  }
  return lines.map((line) => line + '\n').join('');
}

function formatEvent(op: Operation, outcome: Outcome | null, process: number): string {
  const f = `:${op.kind}`;
  const invokeValue = op.kind === 'write' ? ednValue(op.input) : op.kind === 'cas' ? `[${ednValue(op.input.expected)} ${ednValue(op.input.value)}]` : 'nil';
  if (outcome === null) return `{:process ${process}, :type :invoke, :f ${f}, :value ${invokeValue}}`;
  const swapped = op.kind !== 'cas' || op.output !== false;
  const type = outcome === 'unknown' ? ':info' : outcome === 'fail' || !swapped ? ':fail' : ':ok';
  const doneValue = op.kind === 'read' ? (outcome === 'ok' ? ednValue(op.output) : 'nil') : invokeValue;
  return `{:process ${process}, :type ${type}, :f ${f}, :value ${doneValue}}`;
}
