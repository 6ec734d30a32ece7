import { assert } from '../lib/assert.js';
import type { NodeId } from './types.js';

/** The only randomness the core needs: an injected, seeded source (see src/lib/prng.ts). */
export interface RandomSource {
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
}

export interface RaftConfig {
  id: NodeId;
  /** Base election timeout; each timeout is drawn from [base, 2 × base) ticks. */
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  /** Pre-vote (Raft thesis §9.6): a node that cannot win does not disturb the cluster. */
  preVote: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down. */
  checkQuorum: boolean;
  /**
   * Lease reads (Raft thesis §6.4.1; needs checkQuorum): the leader may serve a read at its commit
   * index without a quorum round while its lease holds (the driver times it). What makes that safe
   * here: with check-quorum, a node ignores vote requests (and does not campaign) for an election
   * timeout after it heard from the leader, and for an election timeout after it (re)started — it
   * may have been part of a lease it no longer remembers. Every node must run the same timing.
   */
  readLease: boolean;
  /** Bound on append messages in flight per follower while replicating (pipelining window). */
  inflightAppendsMax: number;
  /** Bound on the payload bytes carried by one append message (at least one entry is sent). */
  appendBytesMax: number;
  /** Bound on the payload bytes in flight per follower. */
  inflightBytesMax: number;
  /** Bound on proposals accepted but not yet committed; more are dropped (backpressure). */
  uncommittedEntriesMax: number;
  /**
   * Bound on the payload bytes of this leader's proposals not yet committed (backpressure): of a
   * batch, the longest prefix that fits is taken and the rest dropped; when none is pending, the
   * first command is taken whatever its size.
   */
  uncommittedBytesMax: number;
  /** Bytes of snapshot data per InstallSnapshot message. */
  snapshotChunkBytesMax: number;
  /**
   * Ticks the leader waits for a chunk's acknowledgement before sending it again. Only the transfer
   * is timed: the follower acknowledges the last chunk after installing, and a resent last chunk
   * is then answered from the installed state.
   */
  snapshotChunkTimeoutTicks: number;
  /** The largest snapshot a follower accepts (a bound on what it buffers in memory). */
  snapshotBytesMax: number;
  /**
   * Patience after a big append, in entry bytes per tick (0: none). An append carrying B bytes of
   * entries keeps both ends busy writing them for a while, the leader included, and its heartbeats
   * wait meanwhile: so a follower that receives it waits floor(B / this) ticks longer before it
   * campaigns (and ignores votes as much longer), and a leader that sends it postpones its next
   * check-quorum as long. Only liveness changes: a node waits longer, never votes sooner.
   */
  appendGraceBytesPerTick: number;
  random: RandomSource;
  /**
   * Deliberately broken variants, used only by tests that prove the simulator's checkers catch
   * real bugs. Never set in a product configuration.
   */
  unsafe?: UnsafeBugs;
}

export interface UnsafeBugs {
  /** The vote is kept in memory but never persisted: a restarted node may vote twice in a term. */
  forgetVote?: boolean;
  /** The leader commits entries of earlier terms by counting replicas (what Figure 8 forbids). */
  commitByCountingOldTerms?: boolean;
  /** A node grants its vote to every candidate of a term, not just the first. */
  doubleVote?: boolean;
  /** The leader counts its own entries toward commit once written, before they are durable. */
  countUnsyncedSelf?: boolean;
}

export const DEFAULT_RAFT_TUNING = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  preVote: true,
  checkQuorum: true,
  readLease: true,
  inflightAppendsMax: 64,
  appendBytesMax: 1 << 20,
  inflightBytesMax: 16 << 20,
  uncommittedEntriesMax: 100_000,
  // Two of the largest entries a peer frame carries (64 MiB) may be in flight at once.
  uncommittedBytesMax: 128 << 20,
  snapshotChunkBytesMax: 1 << 20,
  snapshotChunkTimeoutTicks: 20,
  snapshotBytesMax: 1 << 30,
  appendGraceBytesPerTick: 0,
} as const;

/** Checked at start: the relations between limits that the algorithm relies on. */
export function validateRaftConfig(config: RaftConfig): void {
  assert(Number.isInteger(config.id) && config.id > 0, `node id must be a positive integer, got ${config.id}`);
  assert(config.heartbeatIntervalTicks >= 1, 'heartbeatIntervalTicks must be >= 1');
  assert(
    config.electionTimeoutTicks > config.heartbeatIntervalTicks,
    `electionTimeoutTicks (${config.electionTimeoutTicks}) must exceed heartbeatIntervalTicks (${config.heartbeatIntervalTicks})`,
  );
  assert(!config.readLease || config.checkQuorum, 'readLease needs checkQuorum (a follower must ignore votes while it hears from a leader)');
  assert(config.inflightAppendsMax >= 1, 'inflightAppendsMax must be >= 1');
  assert(config.appendBytesMax >= 1, 'appendBytesMax must be >= 1');
  assert(config.inflightBytesMax >= config.appendBytesMax, 'inflightBytesMax must be >= appendBytesMax');
  assert(config.uncommittedEntriesMax >= 1, 'uncommittedEntriesMax must be >= 1');
  assert(config.uncommittedBytesMax >= 1, 'uncommittedBytesMax must be >= 1');
  assert(config.appendGraceBytesPerTick >= 0, 'appendGraceBytesPerTick must be >= 0 (0: no grace)');
  assert(config.snapshotChunkBytesMax >= 1, 'snapshotChunkBytesMax must be >= 1');
  assert(config.snapshotChunkTimeoutTicks >= 1, 'snapshotChunkTimeoutTicks must be >= 1');
}
