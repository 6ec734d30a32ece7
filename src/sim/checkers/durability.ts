/**
 * Durability of acknowledged writes: the entry a client was told is committed at index i must be
 * the canonical committed entry there (its payload, not another one), and by the end of the run
 * every node must have applied it, whatever crashed in between.
 */
import type { Entry, NodeId } from '../../core/types.js';
import { entryHash, type CommittedLog } from './committed_log.js';
import type { ReportViolation } from './violation.js';

export class Durability {
  private readonly committed: CommittedLog;
  private readonly report: ReportViolation;
  /** Acknowledged writes not yet seen applied anywhere: index → payload hash. */
  private readonly unconfirmed = new Map<number, number>();
  /** Highest acknowledged index so far; reads invoked later must see at least this. */
  maxAckedIndex = 0;
  acked = 0;

  constructor(committed: CommittedLog, report: ReportViolation) {
    this.committed = committed;
    this.report = report;
    committed.onCommitted((entry, hash) => this.confirm(entry, hash));
  }

  onWriteAcked(index: number, command: Uint8Array): void {
    this.acked++;
    this.maxAckedIndex = Math.max(this.maxAckedIndex, index);
    const hash = entryHash('normal', command);
    if (index <= this.committed.lastIndex) {
      if (this.committed.hashes[index] !== hash) this.lost(index);
    } else {
      this.unconfirmed.set(index, hash);
    }
  }

  /** At the end of the quiet period: every node applied every acknowledged write. */
  checkAllApplied(appliedByNode: ReadonlyMap<NodeId, number>): void {
    for (const [node, applied] of appliedByNode) {
      if (applied < this.maxAckedIndex) {
        this.report('durability', `node ${node} applied only up to ${applied}, below acknowledged write ${this.maxAckedIndex}`);
        return;
      }
    }
  }

  private confirm(entry: Entry, hash: number): void {
    const expected = this.unconfirmed.get(entry.index);
    if (expected === undefined) return;
    this.unconfirmed.delete(entry.index);
    if (expected !== hash) this.lost(entry.index);
  }

  private lost(index: number): void {
    this.report('durability', `the write acknowledged at index ${index} was lost: another entry was committed there`);
  }
}
