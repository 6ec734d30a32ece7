/**
 * Invariant checks. A failed assertion means the code is wrong, not that the input was bad:
 * it throws an InvariantViolation that stops the node instead of letting it limp on.
 * Expected failures (not leader, timeout, bad client input) are values, never assertions.
 */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new InvariantViolation(typeof message === 'function' ? message() : message);
  }
}

export function unreachable(value: never, what = 'value'): never {
  throw new InvariantViolation(`unexpected ${what}: ${JSON.stringify(value)}`);
}
