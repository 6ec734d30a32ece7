import type { NodeId, ReadState } from './types.js';

interface QueuedRead {
  requestId: number;
  index: number;
  round: number;
}

/**
 * The leader's ReadIndex bookkeeping. Reads are grouped in rounds: every read that arrives before
 * the next heartbeat broadcast joins the same round, and one quorum of heartbeat acknowledgements
 * for that round (sent after the reads arrived) confirms all of them at once.
 */
export class ReadQueue {
  private round = 0;
  private waitingForCommit: number[] = [];
  private unassigned: Array<{ requestId: number; index: number }> = [];
  private pending: QueuedRead[] = [];
  private acked = new Map<NodeId, number>();
  private confirmed: ReadState[] = [];
  private dropped: number[] = [];

  /** index null: the leader has not yet committed an entry of its term; the read waits for it. */
  add(requestId: number, index: number | null): void {
    if (index === null) this.waitingForCommit.push(requestId);
    else this.unassigned.push({ requestId, index });
  }

  hasWaitingForCommit(): boolean {
    return this.waitingForCommit.length > 0;
  }

  commitReached(index: number): void {
    for (const requestId of this.waitingForCommit) this.unassigned.push({ requestId, index });
    this.waitingForCommit = [];
  }

  needsRound(): boolean {
    return this.unassigned.length > 0;
  }

  /** Starts a confirmation round for every unassigned read; heartbeats then carry this round. */
  startRound(): number {
    this.round++;
    for (const read of this.unassigned) this.pending.push({ ...read, round: this.round });
    this.unassigned = [];
    return this.round;
  }

  currentRound(): number {
    return this.round;
  }

  ack(voter: NodeId, round: number): void {
    if (round > (this.acked.get(voter) ?? 0)) this.acked.set(voter, Math.min(round, this.round));
  }

  ackedRound(voter: NodeId): number {
    return this.acked.get(voter) ?? 0;
  }

  confirmUpTo(round: number): void {
    let n = 0;
    while (n < this.pending.length && (this.pending[n] as QueuedRead).round <= round) {
      const read = this.pending[n] as QueuedRead;
      this.confirmed.push({ requestId: read.requestId, index: read.index });
      n++;
    }
    if (n > 0) this.pending = this.pending.slice(n);
  }

  /** On losing leadership every read not yet confirmed fails. */
  dropAll(): void {
    this.dropped.push(...this.waitingForCommit, ...this.unassigned.map((r) => r.requestId), ...this.pending.map((r) => r.requestId));
    this.waitingForCommit = [];
    this.unassigned = [];
    this.pending = [];
    this.acked.clear();
  }

  hasWork(): boolean {
    return this.confirmed.length > 0 || this.dropped.length > 0 || this.unassigned.length > 0;
  }

  take(): { confirmed: ReadState[]; dropped: number[] } {
    const out = { confirmed: this.confirmed, dropped: this.dropped };
    this.confirmed = [];
    this.dropped = [];
    return out;
  }
}
