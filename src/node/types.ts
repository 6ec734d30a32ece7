import type { RaftConfig } from '../core/config.js';
import type { Entry, Membership, NodeId, Role } from '../core/types.js';
import type { Logger } from '../ports/logger.js';
import type { StateMachine } from '../ports/state_machine.js';
import type { Storage } from '../ports/storage.js';
import type { Transport } from '../ports/transport.js';

/** Expected outcomes of client work, as values. */
export type NodeError =
  | { type: 'not-leader'; leaderHint: NodeId }
  | { type: 'proposal-dropped'; reason: string }
  /** The command is bigger than one log entry may be (entryBytesMax): never retry it. */
  | { type: 'too-large'; bytes: number; limitBytes: number }
  | { type: 'timeout' }
  | { type: 'stopped' };

export type ProposalOutcome = { ok: true; index: number; result: Uint8Array } | { ok: false; error: NodeError };
export type ReadOutcome = { ok: true; index: number; result: Uint8Array } | { ok: false; error: NodeError };

export type ReadConsistency = 'linearizable' | 'stale';

export interface LeaseClock {
  nowMs(): number;
  tickMs: number;
}

export interface NodeDriverOptions {
  /** Raft settings less `id` and `random`, which come separately. */
  raft: Omit<RaftConfig, 'id' | 'random'>;
  id: NodeId;
  /** Seed of this node's random source (election jitter). */
  seed: number;
  /** Membership written on first start; ignored when storage already has state. */
  initialMembership: Membership;
  storage: Storage;
  transport: Transport;
  stateMachine: StateMachine;
  logger: Logger;
  /**
   * Asks the runtime to call flush() soon (setImmediate in workers, a zero-delay event in the
   * simulator). Inputs are coalesced until then, which is what batches proposals and reads.
   */
  requestFlush: () => void;
  /** Ticks after which a pending proposal or read fails with { type: 'timeout' }. */
  requestTimeoutTicks: number;
  /** When to snapshot the state machine and compact the log; absent: only on request. */
  snapshotPolicy?: SnapshotPolicy;
  /** Packs the proposals of one flush into few log entries; absent: one entry per proposal. */
  proposalGrouping?: ProposalGrouping;
  /**
   * Proposals bigger than this many bytes are refused with { type: 'too-large' }: the transport
   * could not carry their entry to a follower. Absent: no bound (the simulator's links have none).
   */
  entryBytesMax?: number;
  /**
   * Times read leases (with raft.readLease): a monotonic clock in ms that keeps running while the
   * node is paused or stalled, and how many of its ms a tick is at least. Absent: every
   * linearizable read takes a quorum round.
   */
  leaseClock?: LeaseClock;
  /**
   * Optional observer of what the node does (role/leader changes, applied entries), called
   * synchronously from flush(). Keep it cheap; it must not call back into the driver.
   */
  onEvent?: (event: NodeEvent) => void;
}

/**
 * leader-changed: the node's role, term or known leader changed (emitted once per change).
 * applied: entries were applied to the state machine; `index` is the new applied index. The
 * entries array is the driver's own: read it, do not keep or change it.
 * snapshot-taken: the state machine was snapshotted at `index` and the log compacted.
 * snapshot-installed: a snapshot from the leader replaced the state up to `index`.
 */
export type NodeEvent =
  | { type: 'leader-changed'; node: NodeId; role: Role; term: number; leader: NodeId }
  | { type: 'applied'; node: NodeId; index: number; entries: readonly Entry[] }
  | { type: 'snapshot-taken'; node: NodeId; index: number; bytes: number }
  | { type: 'snapshot-installed'; node: NodeId; index: number };

export interface NodeStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  /** First index still in the log (a snapshot's retained tail may start before the snapshot). */
  firstIndex: number;
  /** Index of the latest snapshot (0: none). */
  snapshotIndex: number;
  membership: Membership;
  pendingProposals: number;
  pendingReads: number;
}

/**
 * A snapshot is taken once this many entries, or this many payload bytes, were applied since the
 * last one. The last `retainEntries` entries stay in the log, so a follower a little behind still
 * catches up with entries rather than a whole snapshot.
 */
export interface SnapshotPolicy {
  entriesThreshold: number;
  bytesThreshold: number;
  retainEntries: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = {
  entriesThreshold: 50_000,
  bytesThreshold: 64 << 20,
  retainEntries: 5_000,
};

/**
 * How the state machine packs several proposals into one log entry and splits the entry's result
 * back. Per-entry costs (a log row on every node, encoding, replication bookkeeping) are then paid
 * once per flush rather than once per client request. apply() must understand packed entries.
 */
export interface ProposalGrouping {
  pack(commands: readonly Uint8Array[]): Uint8Array;
  /** One result per packed command, in order; null when the result cannot be split (a bug). */
  unpack(result: Uint8Array, count: number): Uint8Array[] | null;
  /** Bound on the payload bytes packed into one entry (a larger proposal travels alone). */
  groupBytesMax: number;
}
