/**
 * Log matching across persisted logs. A leader creates at most one entry per index in its term
 * and never rewrites its own log, so (index, term) names one entry forever: its bytes and the
 * term of the entry before it. Recording that for every entry any node ever persisted, and
 * checking every later write against it, proves by induction that two logs holding the same
 * (index, term) hold identical prefixes.
 *
 * It also keeps a mirror of each node's persisted log terms, which leader completeness reads.
 */
import type { Entry, NodeId, Snapshot } from '../../core/types.js';
import type { PersistedState } from '../../ports/storage.js';
import { entryHash } from './committed_log.js';
import type { ReportViolation } from './violation.js';

interface EntryIdentity {
  hash: number;
  prevTerm: number;
}

/** Term of a compacted index, whose value is unknown to the mirror (a snapshot covers it). */
export const UNKNOWN_TERM = -1;

export class LogMatching {
  private readonly mirrors = new Map<NodeId, number[]>();
  private readonly identities: Array<Map<number, EntryIdentity> | undefined> = [];
  private readonly report: ReportViolation;

  constructor(report: ReportViolation) {
    this.report = report;
  }

  /** A node (re)started from this persisted state. */
  onLoad(node: NodeId, persisted: PersistedState): void {
    const snapshotIndex = persisted.snapshot?.meta.index ?? 0;
    const mirror = new Array<number>(snapshotIndex + 1).fill(UNKNOWN_TERM);
    mirror[0] = 0;
    mirror[snapshotIndex] = persisted.snapshot?.meta.term ?? 0;
    for (const entry of persisted.entries) mirror.push(entry.term);
    this.mirrors.set(node, mirror);
  }

  /**
   * A snapshot replaced the log up to its index: entries after it stay only when the log held the
   * snapshot's last entry (the storage port's rule).
   */
  onSnapshot(node: NodeId, snapshot: Snapshot): void {
    const mirror = this.mirrors.get(node);
    if (mirror === undefined) return;
    const { index, term } = snapshot.meta;
    if (mirror[index] !== term) mirror.length = index + 1;
    for (let i = 1; i < index; i++) mirror[i] = UNKNOWN_TERM;
    mirror[index] = term;
  }

  onSave(node: NodeId, entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const mirror = this.mirrors.get(node);
    if (mirror === undefined) return;
    if (first.index > mirror.length) {
      this.report('log-matching', `node ${node} persisted index ${first.index} with its log ending at ${mirror.length - 1}`);
      return;
    }
    mirror.length = first.index;
    for (const entry of entries) {
      this.record(node, entry, mirror[entry.index - 1] ?? UNKNOWN_TERM);
      mirror.push(entry.term);
    }
  }

  /** Terms of the node's persisted log by index (index 0 is a sentinel). Do not modify. */
  persistedTerms(node: NodeId): readonly number[] {
    return this.mirrors.get(node) ?? [0];
  }

  private record(node: NodeId, entry: Entry, prevTerm: number): void {
    const byTerm = (this.identities[entry.index] ??= new Map());
    const hash = entryHash(entry.kind, entry.data);
    const known = byTerm.get(entry.term);
    if (known === undefined) {
      byTerm.set(entry.term, { hash, prevTerm });
      return;
    }
    if (known.hash !== hash) {
      this.report('log-matching', `node ${node} persisted different bytes at index ${entry.index} term ${entry.term} than another node`);
    } else if (known.prevTerm !== prevTerm && known.prevTerm !== UNKNOWN_TERM && prevTerm !== UNKNOWN_TERM) {
      this.report(
        'log-matching',
        `node ${node} holds index ${entry.index} term ${entry.term} after an entry of term ${prevTerm}, another node after term ${known.prevTerm}`,
      );
    }
  }
}
