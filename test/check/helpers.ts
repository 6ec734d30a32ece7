import type { Operation, Outcome, Value } from '../../src/check/history.js';

type Span = [invokeTime: number, returnTime: number];

/** Builds hand-made histories compactly: `h.write(1, 'x', 'a', [0, 10])`. Unknown outcomes return at +∞. */
export class HistoryBuilder {
  readonly ops: Operation[] = [];

  private common(clientId: number, key: string, [invokeTime, returnTime]: Span, outcome: Outcome) {
    return { id: this.ops.length, clientId, key, invokeTime, returnTime: outcome === 'unknown' ? Infinity : returnTime, outcome };
  }

  private add(op: Operation): Operation {
    this.ops.push(op);
    return op;
  }

  read(clientId: number, key: string, output: Value, span: Span, outcome: Outcome = 'ok'): Operation {
    return this.add({ ...this.common(clientId, key, span, outcome), kind: 'read', input: null, output: outcome === 'ok' ? output : null });
  }

  write(clientId: number, key: string, value: string, span: Span, outcome: Outcome = 'ok'): Operation {
    return this.add({ ...this.common(clientId, key, span, outcome), kind: 'write', input: value, output: null });
  }

  append(clientId: number, key: string, value: string, span: Span, outcome: Outcome = 'ok'): Operation {
    return this.add({ ...this.common(clientId, key, span, outcome), kind: 'append', input: value, output: null });
  }

  delete(clientId: number, key: string, span: Span, outcome: Outcome = 'ok'): Operation {
    return this.add({ ...this.common(clientId, key, span, outcome), kind: 'delete', input: null, output: null });
  }

  cas(clientId: number, key: string, expected: Value, value: string, swapped: boolean, span: Span, outcome: Outcome = 'ok'): Operation {
    const output = outcome === 'ok' ? swapped : null;
    return this.add({ ...this.common(clientId, key, span, outcome), kind: 'cas', input: { expected, value }, output });
  }
}
