import { assert } from '../lib/assert.js';
import { FifoQueue } from '../lib/fifo_queue.js';

/**
 * The payload bytes a leader has accepted in its term and not yet committed: the bound that keeps
 * a client streaming big writes faster than they commit from filling the leader's memory (every
 * replica holds the same entries). Proposals are remembered in log order as (last index, bytes);
 * committed ones are let go lazily, before the next proposal is weighed (release).
 */
export class UncommittedBytes {
  private bytes = 0;
  /** Per accepted proposal, in log order: its last index and its payload bytes. */
  private readonly accepted = new FifoQueue<{ lastIndex: number; bytes: number }>();

  /** A new leadership starts counting afresh (entries of earlier terms are not counted). */
  reset(): void {
    this.bytes = 0;
    this.accepted.takeAll();
  }

  add(lastIndex: number, bytes: number): void {
    assert((this.accepted.last()?.lastIndex ?? 0) < lastIndex, 'proposals are counted in log order');
    this.accepted.push({ lastIndex, bytes });
    this.bytes += bytes;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  /** Lets go of the proposals committed by now. */
  release(commitIndex: number): void {
    for (let proposal = this.accepted.peek(); proposal !== undefined && proposal.lastIndex <= commitIndex; proposal = this.accepted.peek()) {
      this.bytes -= proposal.bytes;
      this.accepted.shift();
    }
    assert(this.bytes >= 0, () => `uncommitted bytes went negative (${this.bytes})`);
  }
}
