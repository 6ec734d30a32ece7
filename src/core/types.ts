/**
 * Plain-data types of the Raft core. Everything here crosses postMessage and the socket codec
 * unchanged: numbers, strings, arrays and Uint8Array payloads only.
 */

/** A node's id: a positive integer, unique in the cluster. 0 means "none". */
export type NodeId = number;
export const NO_NODE: NodeId = 0;

/**
 * normal: a client command for the state machine.
 * noop:   appended by a new leader so it can commit entries of earlier terms (Raft §5.4.2).
 * config: a membership change; data is an encoded Membership.
 */
export type EntryKind = 'normal' | 'noop' | 'config';

export interface Entry {
  term: number;
  index: number;
  kind: EntryKind;
  data: Uint8Array;
}

/** The cluster's membership is data, carried in config entries and snapshots, never a constant. */
export interface Membership {
  voters: NodeId[];
  learners: NodeId[];
}

/** What must be on disk before any message that depends on it leaves the node. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  membership: Membership;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state worth showing (status tables, events); never persisted. */
export interface SoftState {
  role: Role;
  leader: NodeId;
  term: number;
}

// ---------------------------------------------------------------------------------------------
// Messages between nodes. A union on `type`; every message carries the sender's term.

interface MessageBase {
  from: NodeId;
  to: NodeId;
  term: number;
}

/** RequestVote, or its pre-vote probe (pre: true, term = the term the sender would campaign in). */
export interface VoteRequest extends MessageBase {
  type: 'vote';
  pre: boolean;
  lastLogIndex: number;
  lastLogTerm: number;
}

export interface VoteResponse extends MessageBase {
  type: 'vote-response';
  pre: boolean;
  granted: boolean;
}

export interface AppendRequest extends MessageBase {
  type: 'append';
  prevLogIndex: number;
  prevLogTerm: number;
  entries: Entry[];
  commit: number;
}

/**
 * success: matchIndex is the last index known to match the leader's log.
 * rejection: rejectedIndex is the prevLogIndex that did not match (lets the leader ignore stale
 * rejections), and the hint for fast back-off is the first index of the conflicting term
 * (conflictTerm > 0) or, when the follower's log is too short, its last index + 1 (conflictTerm 0).
 */
export interface AppendResponse extends MessageBase {
  type: 'append-response';
  success: boolean;
  matchIndex: number;
  rejectedIndex: number;
  conflictIndex: number;
  conflictTerm: number;
}

/** Heartbeats carry the commit index and a read-confirmation sequence number (ReadIndex). */
export interface HeartbeatRequest extends MessageBase {
  type: 'heartbeat';
  commit: number;
  readSeq: number;
}

export interface HeartbeatResponse extends MessageBase {
  type: 'heartbeat-response';
  readSeq: number;
  /**
   * The follower's last log entry, durable or not. Where it matches the leader's log, the follower
   * has received every entry up to it: appends the leader still counts in flight are then being
   * synced, not lost (see handleHeartbeatResponse).
   */
  lastLogIndex: number;
  lastLogTerm: number;
}

/**
 * InstallSnapshot, one chunk at a time: the leader's latest snapshot goes to a follower that needs
 * entries the leader has compacted away. `offset` is where `chunk` starts in the snapshot's data;
 * `done` marks the last chunk.
 */
export interface SnapshotRequest extends MessageBase {
  type: 'snapshot';
  meta: SnapshotMeta;
  offset: number;
  totalBytes: number;
  chunk: Uint8Array;
  done: boolean;
}

/**
 * installed: the follower's state now covers meta.index (it installed the snapshot, or already had
 * it committed). Otherwise nextOffset says which byte it wants next (resuming a transfer).
 */
export interface SnapshotResponse extends MessageBase {
  type: 'snapshot-response';
  snapshotIndex: number;
  snapshotTerm: number;
  nextOffset: number;
  installed: boolean;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotRequest
  | SnapshotResponse;

export type MessageType = Message['type'];

/** A stable small number per message type: the wire codec's type byte, also mixed into trace hashes. */
export const MESSAGE_TYPE_CODES: Readonly<Record<MessageType, number>> = {
  vote: 1,
  'vote-response': 2,
  append: 3,
  'append-response': 4,
  heartbeat: 5,
  'heartbeat-response': 6,
  snapshot: 7,
  'snapshot-response': 8,
};

// ---------------------------------------------------------------------------------------------
// Expected failures are values.

export interface NotLeader {
  type: 'not-leader';
  leaderHint: NodeId;
}
export interface ProposalDropped {
  type: 'proposal-dropped';
  reason: string;
}

export type ProposeResult =
  /** Commands up to lastIndex were appended; `rest` says why those after them were not (a bound). */
  | { ok: true; term: number; firstIndex: number; lastIndex: number; rest?: ProposalDropped }
  | { ok: false; error: NotLeader | ProposalDropped };

export type ReadIndexResult = { ok: true } | { ok: false; error: NotLeader | ProposalDropped };

/** A read confirmed by a quorum: it may be served once the state machine has applied `index`. */
export interface ReadState {
  requestId: number;
  index: number;
}

/**
 * The work the core hands to its driver. Contract, in this order:
 *  0. if `snapshot` is set (received from the leader): store it durably, replacing the log it
 *     covers, and restore the state machine from it;
 *  1. send `messagesBeforePersist` (a leader's messages) — at once, or in parallel with step 2;
 *  2. write `hardState` (if set) and `entries` (they replace any stored entries from
 *     entries[0].index on) in one write, in Ready order;
 *  3. apply `committedEntries` in order (they are durable on a quorum, if not yet here);
 *  4. serve `readStates` once applied >= their index; fail `droppedReads`;
 *  5. call advance(ready) — or advance(ready, { durable: false }) when the write of step 2 is not
 *     durable yet, and persisted(lastEntry.index, lastEntry.term) once it is;
 *  6. send `messages` only once that write, and every earlier one, is durable.
 */
export interface Ready {
  softState: SoftState | null;
  snapshot: Snapshot | null;
  hardState: HardState | null;
  entries: Entry[];
  /** Everything a leader sends (appends, heartbeats, snapshot chunks): safe before `entries` are durable. */
  messagesBeforePersist: Message[];
  messages: Message[];
  committedEntries: Entry[];
  readStates: ReadState[];
  droppedReads: number[];
}
