/** The emulator's public API types (exported from the package root). */
import type { KvClient, KvClientOptions } from '../client/kv_client.js';
import type { NodeId } from '../core/types.js';
import type { LogLevel } from '../logging/logger.js';
import type { NodeStatus, SnapshotPolicy } from '../node/types.js';
import type { LinkSettings } from '../ports/transport.js';
import type { FsyncPolicy, NodeEndpoints } from '../runtime/node_config.js';
import type { TimingName } from '../runtime/timing.js';

export type { NodeEndpoints, FsyncPolicy, TimingName, LogLevel, SnapshotPolicy };

export interface ClusterOptions {
  /** 1..9 voters, with ids 1..nodes. */
  nodes: number;
  /** Default 'channel' (a MessageChannel mesh); 'tcp' uses real sockets on `host`. */
  transport?: 'channel' | 'tcp';
  /** Default: a fresh temp dir, removed on stop() unless keepData. */
  dataDir?: string;
  keepData?: boolean;
  /** Seeds election jitter and link-rule randomness; default: a random seed (see Cluster.seed). */
  seed?: number;
  /** fast: tick 10 ms, heartbeat 50 ms, election 150–300 ms; standard: 100 ms, 1000–2000 ms. */
  timing?: TimingName;
  /** Default 'always'. */
  fsync?: FsyncPolicy;
  /** Default 'warn'. */
  logLevel?: LogLevel;
  /** Client and peer ports bind here; default 127.0.0.1. */
  host?: string;
  /**
   * When every node snapshots and compacts its log (entries or payload bytes applied since the
   * last snapshot; entries kept after it). Missing fields take DEFAULT_SNAPSHOT_POLICY's values.
   */
  snapshotPolicy?: Partial<SnapshotPolicy>;
  /**
   * Lease reads on the leader (default true): linearizable reads without a quorum round while the
   * leader's lease holds. false: every batch of linearizable reads takes a round (ReadIndex).
   */
  readLease?: boolean;
  /**
   * TEST HOOK THAT BREAKS LINEARIZABILITY: followers answer linearizable reads from their own
   * state (see NodeConfig.unsafeReadsFromFollowers). Only for tests proving the checker works.
   */
  unsafeReadsFromFollowers?: boolean;
}

export interface ClusterNodeStatus extends NodeStatus {
  up: boolean;
  paused: boolean;
  endpoints: NodeEndpoints;
  /** Longest event-loop stall seen in the node's worker since it started, in ms (0 when down). */
  eventLoopStallMaxMs: number;
  /** Longest single flush (persist → send → apply) since the worker started, in ms. */
  flushMaxMs: number;
  /** From the worker's start until the node had recovered from disk (snapshot and log), in ms; kept while down. */
  recoveryMs: number;
  /** Longest single piece of snapshot work that held the node's event loop, in ms (0 when down). */
  snapshotStepMaxMs: number;
}

export interface LeaderChangedEvent {
  node: NodeId;
  leader: NodeId;
  term: number;
}
export interface NodeEvent {
  node: NodeId;
}
export interface AppliedEvent {
  node: NodeId;
  index: number;
}

/** snapshot-taken: `node` snapshotted its state at `index` (`bytes` long) and compacted its log. */
export interface SnapshotTakenEvent {
  node: NodeId;
  index: number;
  bytes: number;
}
/** snapshot-installed: `node` replaced its state with the leader's snapshot, up to `index`. */
export interface SnapshotInstalledEvent {
  node: NodeId;
  index: number;
}

export interface ClusterEventMap {
  'leader-changed': LeaderChangedEvent;
  'node-crashed': NodeEvent;
  'node-restarted': NodeEvent;
  applied: AppliedEvent;
  'snapshot-taken': SnapshotTakenEvent;
  'snapshot-installed': SnapshotInstalledEvent;
}
export type ClusterEventName = keyof ClusterEventMap;

export interface LinkControl {
  /** Changes some settings of the link, both ways: delayMs, jitterMs, lossRate, duplicateRate, reorder. */
  set(settings: Partial<LinkSettings>): Promise<void>;
  /** Makes the link healthy again, both ways (the REPL's `link A B reset`). */
  reset(): Promise<void>;
}

/** A running emulated cluster (see startCluster). */
export interface Cluster {
  readonly nodeIds: NodeId[];
  /** The seed in use (the given one, or the random one picked when none was given). */
  readonly seed: number;
  /** Where the nodes keep their files. */
  readonly dataDir: string;
  status(): Promise<ClusterNodeStatus[]>;
  /** The leader of the highest term seen among up nodes, or null. */
  leader(): Promise<NodeId | null>;
  waitForLeader(options?: { timeoutMs?: number; exclude?: NodeId[] }): Promise<NodeId>;
  waitFor(predicate: (statuses: ClusterNodeStatus[]) => boolean, options: { timeoutMs: number }): Promise<ClusterNodeStatus[]>;
  on(event: 'leader-changed', fn: (e: LeaderChangedEvent) => void): () => void;
  on(event: 'node-crashed' | 'node-restarted', fn: (e: NodeEvent) => void): () => void;
  on(event: 'applied', fn: (e: AppliedEvent) => void): () => void;
  on(event: 'snapshot-taken', fn: (e: SnapshotTakenEvent) => void): () => void;
  on(event: 'snapshot-installed', fn: (e: SnapshotInstalledEvent) => void): () => void;
  /** Terminates the node's worker: volatile state is lost, its files stay. */
  crash(node: NodeId): Promise<void>;
  /** Starts a new worker for a node that is down; it recovers from its files. */
  restart(node: NodeId): Promise<void>;
  partition(groups: NodeId[][]): Promise<void>;
  partitionOneWay(from: NodeId, to: NodeId): Promise<void>;
  isolate(node: NodeId): Promise<void>;
  heal(): Promise<void>;
  link(a: NodeId, b: NodeId): LinkControl;
  pause(node: NodeId): Promise<void>;
  /**
   * Makes `node` (default: the leader) snapshot its state now, compact its log and store the
   * snapshot; resolves with the snapshot's index once it is on disk.
   */
  snapshot(node?: NodeId): Promise<number>;
  resume(node: NodeId): Promise<void>;
  endpoints(node: NodeId): NodeEndpoints;
  /**
   * A new KvClient over every node's RESP port (it finds the leader and follows changes). The
   * caller closes it; stop() closes any still open.
   */
  client(options?: Omit<KvClientOptions, 'nodes'>): KvClient;
  /** Stops every worker, frees every port, removes the data (unless keepData). */
  stop(): Promise<void>;
}
