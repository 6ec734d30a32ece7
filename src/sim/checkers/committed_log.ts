/**
 * State-machine safety: no two nodes apply different entries at one index. The first entry any
 * node applies at an index becomes the canonical committed entry there (every applied entry is
 * committed), and every later application anywhere must match it in term, kind and bytes.
 * The canonical log is also what the other checkers treat as "known committed".
 */
import type { Entry, NodeId } from '../../core/types.js';
import { fnv1a } from '../../lib/hash.js';
import type { ReportViolation } from './violation.js';

const KIND_SEED: Record<Entry['kind'], number> = { normal: 0x811c9dc5, noop: 0x1234567, config: 0x7654321 };

export function entryHash(kind: Entry['kind'], data: Uint8Array): number {
  return fnv1a(data, KIND_SEED[kind]);
}

export type CommittedListener = (entry: Entry, hash: number) => void;

export class CommittedLog {
  /** terms[i] / hashes[i] describe the canonical entry at index i; index 0 is a sentinel. */
  readonly terms: number[] = [0];
  readonly hashes: number[] = [0];
  private readonly report: ReportViolation;
  private readonly listeners: CommittedListener[] = [];

  constructor(report: ReportViolation) {
    this.report = report;
  }

  /** Highest index applied by any node so far. */
  get lastIndex(): number {
    return this.terms.length - 1;
  }

  onCommitted(listener: CommittedListener): void {
    this.listeners.push(listener);
  }

  onApplied(node: NodeId, entries: readonly Entry[]): void {
    for (const entry of entries) {
      const hash = entryHash(entry.kind, entry.data);
      if (entry.index < this.terms.length) {
        const term = this.terms[entry.index];
        if (term !== entry.term || this.hashes[entry.index] !== hash) {
          this.report(
            'state-machine-safety',
            `node ${node} applied a different entry at index ${entry.index} (term ${entry.term}) than was applied before (term ${term})`,
          );
          return;
        }
      } else if (entry.index === this.terms.length) {
        this.terms.push(entry.term);
        this.hashes.push(hash);
        for (const listener of this.listeners) listener(entry, hash);
      } else {
        this.report('state-machine-safety', `node ${node} applied index ${entry.index} before index ${this.terms.length} was applied anywhere`);
        return;
      }
    }
  }
}
