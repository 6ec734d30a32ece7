/**
 * The sequential specification of one key of the store, which the checker holds every history to.
 * The state is the key's value, null when absent.
 *
 * - read returns the current value (null if absent);
 * - write sets it; delete removes it;
 * - append concatenates (an absent key counts as the empty string);
 * - cas(expected, value) swaps iff current === expected (null expects absence); its output says
 *   whether it swapped.
 *
 * An operation with an unknown outcome has no output to match: it only moves the state, as it
 * would have had it taken effect.
 */
import type { Operation, Value } from './history.js';

export type KvState = Value;

export const KV_INITIAL_STATE: KvState = null;

/** Returned by stepKv when the operation's output cannot come from the given state. */
export const ILLEGAL: unique symbol = Symbol('illegal');
export type Illegal = typeof ILLEGAL;

export function stepKv(state: KvState, op: Operation): KvState | Illegal {
  const checked = op.outcome === 'ok';
  switch (op.kind) {
    case 'read':
      return !checked || op.output === state ? state : ILLEGAL;
    case 'write':
      return op.input;
    case 'delete':
      return null;
    case 'append':
      return (state ?? '') + op.input;
    case 'cas': {
      const swaps = state === op.input.expected;
      if (checked && op.output !== swaps) return ILLEGAL;
      return swaps ? op.input.value : state;
    }
  }
}

/** True when the operation can never change the state, so leaving it out changes nothing. */
export function isReadOnly(op: Operation): boolean {
  return op.kind === 'read';
}
