/**
 * The leader's read lease (Raft thesis §6.4.1), timed by the driver's clock. Every quorum round
 * the driver starts is stamped with the time it started; once a quorum confirms it, no other node
 * can be elected before that time plus the followers' vote lease — a follower ignores votes for an
 * election timeout (at least (electionTimeoutTicks - 1) ticks) after hearing from this leader —
 * so until then reads may be served at the commit index without a round of their own.
 */
import type { LeaseClock } from './types.js';

/** Share of the followers' vote lease the leader relies on: margin for clock rates and timers. */
export const LEASE_SAFETY_FACTOR = 0.75;

export class ReadLease {
  private readonly clock: LeaseClock;
  private readonly durationMs: number;
  private validUntilMs = Number.NEGATIVE_INFINITY;
  /** Quorum rounds in flight: request id → when it started. */
  private readonly rounds = new Map<number, number>();
  /** Term of the rounds in flight and of the lease. */
  private term = 0;

  constructor(clock: LeaseClock, electionTimeoutTicks: number) {
    this.clock = clock;
    this.durationMs = (electionTimeoutTicks - 1) * clock.tickMs * LEASE_SAFETY_FACTOR;
  }

  /** A quorum round started now (a read batch's, or a renewal's). */
  roundStarted(requestId: number, term: number): void {
    if (term !== this.term) this.lose(term);
    this.rounds.set(requestId, this.clock.nowMs());
  }

  /** A quorum confirmed the round: the lease runs from when it started. */
  roundConfirmed(requestId: number): void {
    const startedMs = this.rounds.get(requestId);
    if (startedMs === undefined) return;
    this.rounds.delete(requestId);
    this.validUntilMs = Math.max(this.validUntilMs, startedMs + this.durationMs);
  }

  roundDropped(requestId: number): void {
    this.rounds.delete(requestId);
  }

  /** Leadership changed (or the term did): whatever was confirmed no longer counts. */
  lose(term: number): void {
    this.term = term;
    this.validUntilMs = Number.NEGATIVE_INFINITY;
    this.rounds.clear();
  }

  holds(term: number): boolean {
    return term === this.term && this.clock.nowMs() < this.validUntilMs;
  }

  /** Renew before the lease runs out (half of it left), unless a round is already under way. */
  wantsRenewal(): boolean {
    return this.rounds.size === 0 && this.validUntilMs - this.clock.nowMs() < this.durationMs / 2;
  }
}
