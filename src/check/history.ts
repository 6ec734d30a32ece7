/**
 * Client histories: what the linearizability checker reads.
 *
 * An operation is one client request with the interval in which it was in flight. Times are plain
 * numbers in any unit (ms or ns), only compared with each other. Operation A precedes B in real
 * time iff A.returnTime < B.invokeTime; equal times count as concurrent (the safe reading).
 *
 * Outcomes:
 * - `ok`: the reply arrived; its output must be explained by the sequential model.
 * - `fail`: the request definitely did not take effect (for example a refused request); it is
 *   left out of the check.
 * - `unknown`: the reply was lost or timed out; the request may have taken effect at any point
 *   after its invocation, or never. Its return time is +Infinity and its output is ignored.
 */

export type Value = string | null;
export type OperationKind = 'read' | 'write' | 'cas' | 'append' | 'delete';
export type Outcome = 'ok' | 'fail' | 'unknown';

export const OPERATION_KINDS: readonly OperationKind[] = ['read', 'write', 'cas', 'append', 'delete'];
export const OUTCOMES: readonly Outcome[] = ['ok', 'fail', 'unknown'];

export interface CasInput {
  expected: Value;
  value: string;
}

interface OperationCommon {
  /** Unique within a history. */
  id: number;
  clientId: number;
  key: string;
  invokeTime: number;
  /** +Infinity when the outcome is `unknown`. */
  returnTime: number;
  outcome: Outcome;
}

/** Inputs and outputs by kind. Outputs only mean something when the outcome is `ok`. */
export type Operation = OperationCommon &
  (
    | { kind: 'read'; input: null; output: Value }
    | { kind: 'write'; input: string; output: null }
    | { kind: 'append'; input: string; output: null }
    | { kind: 'delete'; input: null; output: null }
    | { kind: 'cas'; input: CasInput; output: boolean | null }
  );

export type History = readonly Operation[];

export type InputFor<K extends OperationKind> = Extract<Operation, { kind: K }>['input'];
export type OutputFor<K extends OperationKind> = Extract<Operation, { kind: K }>['output'];

/** Why a value does not fit the history format, or null when it fits. */
export function inputProblem(kind: OperationKind, input: unknown): string | null {
  switch (kind) {
    case 'read':
    case 'delete':
      return input === null || input === undefined ? null : `${kind} takes no input (null)`;
    case 'write':
    case 'append':
      return typeof input === 'string' ? null : `${kind} input must be a string`;
    case 'cas': {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return 'cas input must be an object {"expected": string|null, "value": string}';
      }
      const { expected, value } = input as Record<string, unknown>;
      if (expected !== null && typeof expected !== 'string') return 'cas input.expected must be a string or null';
      if (typeof value !== 'string') return 'cas input.value must be a string';
      return null;
    }
  }
}

export function outputProblem(kind: OperationKind, output: unknown): string | null {
  switch (kind) {
    case 'read':
      return output === null || typeof output === 'string' ? null : 'read output must be a string or null';
    case 'cas':
      return typeof output === 'boolean' ? null : 'cas output must be true (swapped) or false';
    default:
      return output === null || output === undefined ? null : `${kind} has no output (null)`;
  }
}

export function isOperationKind(value: unknown): value is OperationKind {
  return value === 'read' || value === 'write' || value === 'cas' || value === 'append' || value === 'delete';
}

export function isOutcome(value: unknown): value is Outcome {
  return value === 'ok' || value === 'fail' || value === 'unknown';
}

/** One line per problem; empty when the history is well formed. For histories built in code. */
export function historyProblems(history: History): string[] {
  const problems: string[] = [];
  const ids = new Set<number>();
  for (const op of history) {
    if (!Number.isInteger(op.id)) note(problems, op, 'id must be an integer');
    else if (ids.has(op.id)) note(problems, op, 'duplicate id');
    ids.add(op.id);
    if (!isOperationKind(op.kind)) note(problems, op, `unknown kind ${JSON.stringify(op.kind)}`);
    if (!isOutcome(op.outcome)) note(problems, op, `unknown outcome ${JSON.stringify(op.outcome)}`);
    if (typeof op.key !== 'string') note(problems, op, 'key must be a string');
    if (!Number.isFinite(op.invokeTime)) note(problems, op, 'invokeTime must be a finite number');
    if (op.outcome === 'unknown' && op.returnTime !== Infinity) note(problems, op, 'unknown outcome needs returnTime Infinity');
    if (op.outcome !== 'unknown' && !Number.isFinite(op.returnTime)) note(problems, op, 'returnTime must be a finite number');
    if (op.returnTime < op.invokeTime) note(problems, op, `returns (${op.returnTime}) before it is invoked (${op.invokeTime})`);
    if (isOperationKind(op.kind)) {
      const inputWhy = inputProblem(op.kind, op.input);
      if (inputWhy) note(problems, op, inputWhy);
      const outputWhy = op.outcome === 'ok' ? outputProblem(op.kind, op.output) : null;
      if (outputWhy) note(problems, op, outputWhy);
    }
  }
  return problems;
}

/** Runs on every check of 100k-operation histories: strings are built only once something is wrong. */
function note(problems: string[], op: Operation, message: string): void {
  problems.push(`operation ${op.id}: ${message}`);
}

/** A short human-readable form, e.g. `#7 c2 cas(x, 1→2) = true [10, 14]`. */
export function describeOperation(op: Operation): string {
  const show = (v: Value): string => (v === null ? 'nil' : JSON.stringify(v));
  let call: string;
  let result = '';
  switch (op.kind) {
    case 'read':
      call = `read(${op.key})`;
      if (op.outcome === 'ok') result = ` = ${show(op.output)}`;
      break;
    case 'write':
    case 'append':
      call = `${op.kind}(${op.key}, ${show(op.input)})`;
      break;
    case 'delete':
      call = `delete(${op.key})`;
      break;
    case 'cas':
      call = `cas(${op.key}, ${show(op.input.expected)}→${show(op.input.value)})`;
      if (op.outcome === 'ok') result = ` = ${String(op.output)}`;
      break;
  }
  const end = op.outcome === 'unknown' ? '∞' : String(op.returnTime);
  const tag = op.outcome === 'ok' ? '' : ` ${op.outcome}`;
  return `#${op.id} c${op.clientId} ${call}${result}${tag} [${op.invokeTime}, ${end}]`;
}
