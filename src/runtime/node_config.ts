/**
 * The plain config object that builds one running node. The emulator's worker entry and a
 * one-node-per-process deployment both fill this in and call startNode(), so they cannot drift.
 */
import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../core/types.js';
import type { LogLevel } from '../logging/logger.js';
import type { NodeStatus, SnapshotPolicy } from '../node/types.js';
import type { LinkRulesState } from '../transport/link_rules.js';
import type { TimingName } from './timing.js';

export type FsyncPolicy = 'always' | 'batch' | 'never';

/** Raft traffic over MessagePorts: one port per peer, transferred in by the supervisor. */
export interface ChannelPeersConfig {
  kind: 'channel';
  peerPorts: Array<{ peer: NodeId; port: MessagePort }>;
}

/** Raft traffic over TCP: this node listens on listenPort (0 = any free port) and dials peers. */
export interface TcpPeersConfig {
  kind: 'tcp';
  listenPort: number;
  /** Where the peer port binds, when not `host` (e.g. all interfaces while clients use one). */
  listenHost?: string;
  /** Every other member's peer address; a node not listed yet is unreachable until it is. */
  peers: Array<{ peer: NodeId; host: string; port: number }>;
}

export interface NodeConfig {
  id: NodeId;
  /** The voters the cluster is bootstrapped with (used on first start only). */
  members: NodeId[];
  /** Seeds this node's election jitter and link-rule randomness. */
  seed: number;
  /** This node's own directory; created when missing. */
  dataDir: string;
  fsync: FsyncPolicy;
  timing: TimingName;
  logLevel: LogLevel;
  /** Client and peer ports bind here. */
  host: string;
  /** RESP client port; 0 = any free port (the bound one is reported in endpoints). */
  redisPort: number;
  /** HTTP API port; 0 or missing = any free port. Fixed in a real deployment, so restarts keep it. */
  httpPort?: number;
  transport: ChannelPeersConfig | TcpPeersConfig;
  /**
   * Other nodes' client (RESP) addresses `host:port`, named in not-leader replies; more can come later.
   * An entry for this node itself is its advertised address (otherwise derived from host and port).
   */
  clientAddresses?: Array<{ peer: NodeId; address: string }>;
  /** Fault rules in force when the node starts (the emulator pushes later changes). */
  linkRules?: LinkRulesState;
  /**
   * Remove a lock left by a previous owner of dataDir. Only for callers that know that owner is
   * gone (the emulator restarting a terminated worker); otherwise a held lock is an error.
   */
  breakStaleLock?: boolean;
  /** The node ran before with this dataDir (the emulator restarting it): a missing database is refused, not made anew. */
  dataMustExist?: boolean;
  /**
   * When to snapshot and compact: after entriesThreshold entries or bytesThreshold payload bytes
   * applied since the last snapshot, keeping retainEntries in the log. Missing fields take
   * DEFAULT_SNAPSHOT_POLICY's values.
   */
  snapshotPolicy?: Partial<SnapshotPolicy>;
  /** Lease reads on the leader (see ClusterOptions.readLease); default true. */
  readLease?: boolean;
  /**
   * TEST HOOK THAT BREAKS LINEARIZABILITY: a follower answers linearizable reads from its own,
   * possibly stale state instead of refusing or forwarding them. Only for proving that the chaos
   * checker catches a real bug; never set it anywhere else.
   */
  unsafeReadsFromFollowers?: boolean;
}

/** Where clients and peers reach a node, as URLs. */
export interface NodeEndpoints {
  redis: string;
  http: string | null;
  peer: string | null;
}

export interface RuntimeStatus extends NodeStatus {
  /**
   * Overrides NodeStatus's: the index of the latest snapshot. The log starts at firstIndex, which
   * may be up to retainEntries before it (entries kept for followers a little behind).
   */
  snapshotIndex: number;
  paused: boolean;
  /** Longest event-loop stall seen since start (or the last reset), in ms. */
  eventLoopStallMaxMs: number;
  /** Longest single flush (persist → send → apply) since start (or the last reset), in ms. */
  flushMaxMs: number;
  /** From the start of the node's worker (or process) until its driver had recovered from disk, in ms. */
  recoveryMs: number;
  /** Longest single piece of snapshot work that held the event loop, since start (or the last reset), in ms. */
  snapshotStepMaxMs: number;
  /**
   * Peers whose connections this node refuses, with why: their timing or read-lease settings (or
   * their wire format) differ from this node's, so a lease read could be stale across the link.
   * Each stays listed until that peer's hello is accepted. Always empty on MessagePorts.
   */
  refusedPeers: Array<{ peer: NodeId; reason: string }>;
}

/** What a running node reports to whoever supervises it; cheap and coalesced. */
export type RuntimeEvent =
  | { type: 'soft-state'; role: NodeStatus['role']; leader: NodeId; term: number }
  | { type: 'applied'; index: number }
  /** This node snapshotted its state at `index` and compacted its log (the store follows in steps). */
  | { type: 'snapshot-taken'; index: number; bytes: number }
  /** This node replaced its state with a snapshot from the leader, up to `index`. */
  | { type: 'snapshot-installed'; index: number };
