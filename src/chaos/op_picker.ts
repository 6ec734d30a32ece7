/**
 * What a chaos client does next, as pure data: a seeded choice of operation kind and key, and a
 * value no other write uses (`c3.41` = client 3's 41st write), so every read says which write it
 * saw. A cas expects the value this client last saw on the key, which makes it swap often enough
 * to matter. Used by the emulator workload and the simulator's alike.
 */
import type { CasInput, OperationKind, Value } from '../check/history.js';
import type { Prng } from '../lib/prng.js';

/** Relative weights of the operation kinds. Reads dominate: they are what exposes stale state. */
export const OPERATION_WEIGHTS: Readonly<Record<OperationKind, number>> = { read: 40, write: 20, cas: 15, append: 15, delete: 5 };

export type PlannedOperation =
  | { kind: 'read'; key: string; input: null }
  | { kind: 'write'; key: string; input: string }
  | { kind: 'append'; key: string; input: string }
  | { kind: 'delete'; key: string; input: null }
  | { kind: 'cas'; key: string; input: CasInput };

export function keyName(index: number): string {
  return `k${index}`;
}

export class OperationPicker {
  private readonly random: Prng;
  private readonly clientId: number;
  private readonly keys: number;
  private writes = 0;
  /** The last value this client saw or wrote per key (null: absent, or never seen). */
  private readonly lastSeen = new Map<string, Value>();

  /** A reader only reads, so it never hangs on a write at a cut-off leader (see ChaosOptions.readerClients). */
  private readonly readsOnly: boolean;

  constructor(random: Prng, clientId: number, keys: number, options: { readsOnly?: boolean } = {}) {
    this.random = random;
    this.clientId = clientId;
    this.keys = keys;
    this.readsOnly = options.readsOnly === true;
  }

  next(): PlannedOperation {
    const key = keyName(this.random.int(1, this.keys));
    const kind = this.pickKind();
    switch (kind) {
      case 'read':
        return { kind, key, input: null };
      case 'delete':
        return { kind, key, input: null };
      case 'write':
        return { kind, key, input: this.uniqueValue() };
      case 'append':
        // A separator keeps appended tokens apart, so a read shows exactly which appends it holds.
        return { kind, key, input: `${this.uniqueValue()};` };
      case 'cas':
        return { kind, key, input: { expected: this.lastSeen.get(key) ?? null, value: this.uniqueValue() } };
    }
  }

  /** Remembers what a completed operation says about the key's value. */
  observe(op: PlannedOperation, outcome: 'ok' | 'fail' | 'unknown', output: Value | boolean | null): void {
    if (outcome !== 'ok') return;
    if (op.kind === 'read') this.lastSeen.set(op.key, output as Value);
    else if (op.kind === 'write') this.lastSeen.set(op.key, op.input);
    else if (op.kind === 'delete') this.lastSeen.set(op.key, null);
    else if (op.kind === 'cas' && output === true) this.lastSeen.set(op.key, op.input.value);
  }

  private uniqueValue(): string {
    return `c${this.clientId}.${++this.writes}`;
  }

  private pickKind(): OperationKind {
    if (this.readsOnly) return 'read';
    let total = 0;
    for (const weight of Object.values(OPERATION_WEIGHTS)) total += weight;
    let roll = this.random.next() * total;
    for (const [kind, weight] of Object.entries(OPERATION_WEIGHTS) as Array<[OperationKind, number]>) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'read';
  }
}
