import { assert } from '../lib/assert.js';
import type { Snapshot } from './types.js';

/**
 * The leader's view of one follower's replication.
 * probe:     we do not know where the follower's log matches ours; one append in flight at a time.
 * replicate: the follower keeps up; appends are pipelined under a window of count and bytes.
 * snapshot:  the follower needs entries we compacted away; our snapshot goes to it chunk by chunk,
 *            one chunk in flight, resent after a timeout.
 */
export class Progress {
  matchIndex = 0;
  nextIndex: number;
  state: 'probe' | 'replicate' | 'snapshot' = 'probe';
  /** snapshot state: which snapshot is being sent, and the byte the follower wants next. */
  snapshotIndex = 0;
  snapshotBeingSent: Snapshot | null = null;
  snapshotOffset = 0;
  snapshotChunkInFlight = false;
  snapshotChunkElapsedTicks = 0;
  /** probe state: an append is in flight; cleared by any response or heartbeat response. */
  probeSent = false;
  /** Whether the follower answered since the last check-quorum round. */
  recentActive = false;
  /** matchIndex when the previous heartbeat response arrived (detects lost pipelined appends). */
  matchAtLastHeartbeat = 0;
  /** Consecutive heartbeat intervals without progress while appends were in flight. */
  stalledHeartbeats = 0;
  /**
   * Set by each timed heartbeat: the next heartbeat response counts toward the stall rule. Read
   * rounds send heartbeats too, many per tick under read load, and must not hurry it.
   */
  stallCheckDue = false;
  /** The highest commit index this follower has been told. */
  commitSentIndex = 0;
  private inflightLastIndexes: number[] = [];
  private inflightSizes: number[] = [];
  private inflightHead = 0;
  private inflightBytes = 0;

  constructor(nextIndex: number) {
    this.nextIndex = nextIndex;
  }

  inflightCount(): number {
    return this.inflightLastIndexes.length - this.inflightHead;
  }

  /** Whether no more appends may be sent now. */
  isPaused(inflightAppendsMax: number, inflightBytesMax: number): boolean {
    if (this.state === 'probe') return this.probeSent;
    if (this.state === 'snapshot') return this.snapshotChunkInFlight;
    return this.inflightCount() >= inflightAppendsMax || this.inflightBytes >= inflightBytesMax;
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.snapshotBeingSent = null;
    this.stalledHeartbeats = 0;
    this.probeSent = false;
    this.nextIndex = this.matchIndex + 1;
    this.clearInflight();
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.state = 'snapshot';
    this.probeSent = false;
    this.snapshotIndex = snapshot.meta.index;
    this.snapshotBeingSent = snapshot;
    this.snapshotOffset = 0;
    this.snapshotChunkInFlight = false;
    this.snapshotChunkElapsedTicks = 0;
    this.clearInflight();
  }

  sentSnapshotChunk(): void {
    this.snapshotChunkInFlight = true;
    this.snapshotChunkElapsedTicks = 0;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.snapshotBeingSent = null;
    this.probeSent = false;
    this.nextIndex = this.matchIndex + 1;
    this.clearInflight();
  }

  /** Records an append carrying entries up to lastIndex (pipelined in replicate state). */
  sentAppend(lastIndex: number, bytes: number): void {
    if (this.state === 'probe') {
      this.probeSent = true;
      return;
    }
    assert(lastIndex >= this.nextIndex - 1, 'replicate append goes backwards');
    if (lastIndex >= this.nextIndex) {
      this.nextIndex = lastIndex + 1;
      this.inflightLastIndexes.push(lastIndex);
      this.inflightSizes.push(bytes);
      this.inflightBytes += bytes;
    }
  }

  /** A success up to matchIndex; returns false for a stale (already known) acknowledgement. */
  acknowledge(matchIndex: number): boolean {
    this.probeSent = false;
    if (matchIndex <= this.matchIndex) return false;
    this.matchIndex = matchIndex;
    if (this.nextIndex <= matchIndex) this.nextIndex = matchIndex + 1;
    while (this.inflightCount() > 0 && (this.inflightLastIndexes[this.inflightHead] as number) <= matchIndex) {
      this.inflightBytes -= this.inflightSizes[this.inflightHead] as number;
      this.inflightHead++;
    }
    if (this.inflightHead > 1024 && this.inflightHead * 2 > this.inflightLastIndexes.length) {
      this.inflightLastIndexes = this.inflightLastIndexes.slice(this.inflightHead);
      this.inflightSizes = this.inflightSizes.slice(this.inflightHead);
      this.inflightHead = 0;
    }
    return true;
  }

  private clearInflight(): void {
    this.inflightLastIndexes = [];
    this.inflightSizes = [];
    this.inflightHead = 0;
    this.inflightBytes = 0;
  }
}
