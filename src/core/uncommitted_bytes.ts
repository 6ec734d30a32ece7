import { assert } from '../lib/assert.js';

/**
 * The payload bytes a leader has accepted in its term and not yet committed: the bound that keeps
 * a client streaming big writes faster than they commit from filling the leader's memory (every
 * replica holds the same entries). Proposals are remembered in log order as (last index, bytes);
 * committed ones are let go lazily, before the next proposal is weighed (release).
 */
export class UncommittedBytes {
  private bytes = 0;
  /** Per accepted proposal, in log order: its last index and its payload bytes. */
  private accepted: Array<{ lastIndex: number; bytes: number }> = [];
  private head = 0;

  /** A new leadership starts counting afresh (entries of earlier terms are not counted). */
  reset(): void {
    this.bytes = 0;
    this.accepted = [];
    this.head = 0;
  }

  add(lastIndex: number, bytes: number): void {
    assert((this.accepted.at(-1)?.lastIndex ?? 0) < lastIndex, 'proposals are counted in log order');
    this.accepted.push({ lastIndex, bytes });
    this.bytes += bytes;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  /** Lets go of the proposals committed by now. */
  release(commitIndex: number): void {
    while (this.head < this.accepted.length) {
      const proposal = this.accepted[this.head] as { lastIndex: number; bytes: number };
      if (proposal.lastIndex > commitIndex) break;
      this.bytes -= proposal.bytes;
      this.head++;
    }
    if (this.head === this.accepted.length) {
      this.accepted = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.accepted.length) {
      this.accepted = this.accepted.slice(this.head);
      this.head = 0;
    }
    assert(this.bytes >= 0, () => `uncommitted bytes went negative (${this.bytes})`);
  }
}
