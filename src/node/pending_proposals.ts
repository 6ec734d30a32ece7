import type { NodeError, ProposalOutcome } from './types.js';

export type ProposalCallback = (outcome: ProposalOutcome) => void;

interface PendingProposal {
  term: number;
  deadlineTick: number;
  callback: ProposalCallback;
}

/**
 * Proposals appended to the leader's log, waiting for their entry to be applied. Keyed by log
 * index: the entry applied at that index settles the proposal — success when its term is the
 * one the proposal was appended in, proposal-dropped when another leader's entry won the index.
 */
export class PendingProposals {
  /** Insertion order is index order and therefore deadline order (see expire()). */
  private readonly byIndex = new Map<number, PendingProposal>();

  get size(): number {
    return this.byIndex.size;
  }

  add(index: number, term: number, deadlineTick: number, callback: ProposalCallback): void {
    const previous = this.byIndex.get(index);
    if (previous !== undefined) {
      // Only possible after a step-down we did not see: the old entry can no longer win.
      this.byIndex.delete(index);
      previous.callback({ ok: false, error: { type: 'proposal-dropped', reason: `index ${index} was reused in term ${term}` } });
    }
    this.byIndex.set(index, { term, deadlineTick, callback });
  }

  /** Whether a proposal waits for the entry at `index`. */
  waitsFor(index: number): boolean {
    return this.byIndex.has(index);
  }

  /** The entry at `index` (of `term`) was applied with `result`. */
  settle(index: number, term: number, result: Uint8Array): void {
    const pending = this.byIndex.get(index);
    if (pending === undefined) return;
    this.byIndex.delete(index);
    if (pending.term === term) {
      pending.callback({ ok: true, index, result });
    } else {
      const reason = `entry at index ${index} was replaced by one of term ${term}`;
      pending.callback({ ok: false, error: { type: 'proposal-dropped', reason } });
    }
  }

  /** Fails every proposal appended in another term than `term` (the leader stepped down). */
  failOtherTerms(term: number, error: NodeError): void {
    for (const [index, pending] of this.byIndex) {
      if (pending.term === term) continue;
      this.byIndex.delete(index);
      pending.callback({ ok: false, error });
    }
  }

  failAll(error: NodeError): void {
    const all = [...this.byIndex.values()];
    this.byIndex.clear();
    for (const pending of all) pending.callback({ ok: false, error });
  }

  /** Fails proposals whose deadline has passed; they may still commit later (the outcome is unknown). */
  expire(nowTick: number): void {
    for (const [index, pending] of this.byIndex) {
      if (pending.deadlineTick > nowTick) break;
      this.byIndex.delete(index);
      pending.callback({ ok: false, error: { type: 'timeout' } });
    }
  }
}
