import { assert } from '../lib/assert.js';
import { validateRaftConfig, type RaftConfig } from './config.js';
import { startElection } from './election.js';
import { maybeCommit, quorumRecentlyActive, releaseConfirmedReads } from './leader_quorum.js';
import { decodeMembership } from './membership.js';
import type { Progress } from './progress.js';
import { RaftLog } from './raft_log.js';
import { ReadQueue } from './read_queue.js';
import { UncommittedBytes } from './uncommitted_bytes.js';
import { stepCandidate } from './step_candidate.js';
import { stepFollower } from './step_follower.js';
import { stepLeader, broadcastHeartbeats, maybeSendAppends } from './step_leader.js';
import { tickSnapshotTransfers, type IncomingSnapshot } from './step_snapshot.js';
import { acceptHigherTerm, answerLowerTerm, handleVoteRequest } from './step_term.js';
import {
  NO_NODE,
  type Entry,
  type HardState,
  type Membership,
  type Message,
  type NodeId,
  type ProposalDropped,
  type ProposeResult,
  type ReadIndexResult,
  type Ready,
  type Role,
  type Snapshot,
  type SoftState,
} from './types.js';

export interface RestoredState {
  hardState: HardState;
  /** The latest snapshot (kept in memory: the leader sends it to followers that fall behind it). */
  snapshot: Snapshot | null;
  entries: Entry[];
  /** Base membership: the snapshot's, else the bootstrap one. Config entries in `entries` apply on top. */
  membership: Membership;
}

export interface RaftStatus {
  role: Role;
  term: number;
  vote: NodeId;
  leader: NodeId;
  commitIndex: number;
  lastIndex: number;
  firstIndex: number;
  snapshotIndex: number;
  membership: Membership;
}

/** Bound on committed-entry payload bytes handed out per Ready, so one apply step stays short. */
const COMMITTED_BYTES_PER_READY_MAX = 4 << 20;

/**
 * Raft as a pure state machine: inputs are tick(), step(), propose() and readIndex(); outputs
 * come out of ready(). No time, no randomness (election jitter comes from config.random), no I/O.
 *
 * Persistence contract (see Ready in types.ts): the driver sends a ready's messages only once its
 * hard state and entries are durable (and every earlier ready's). Every message that depends on a
 * vote or an entry (vote grants, append acknowledgements) is therefore only sent once they are.
 * The exception is a leader's messages (messagesBeforePersist): they may leave while the leader
 * writes the same entries to its disk, because the leader counts itself toward a commit quorum
 * only for entries already durable on its disk (Raft thesis §10.2.1), reported by persisted().
 *
 * Fields are public to the step handlers in this folder (step_*.ts); outside the core, use the
 * methods only.
 */
export class RaftNode {
  readonly id: NodeId;
  readonly config: RaftConfig;
  term: number;
  vote: NodeId;
  leader: NodeId = NO_NODE;
  role: Role = 'follower';
  readonly log: RaftLog;
  membership: Membership;
  electionElapsedTicks = 0;
  /** Ticks since this node (re)started, counted up to an election timeout (see inVoteLease). */
  ticksSinceStart = 0;
  heartbeatElapsedTicks = 0;
  randomizedElectionTimeoutTicks = 0;
  /** Votes received in the current (pre-)campaign. */
  votes = new Map<NodeId, boolean>();
  /** The leader's view of every other member. */
  progress = new Map<NodeId, Progress>();
  readonly reads = new ReadQueue();
  /** The leader's proposals of its term not yet committed, in bytes (reset by becomeLeader). */
  readonly uncommittedBytes = new UncommittedBytes();
  /** Set when new entries or acknowledgements may let the leader send more appends (sent at ready()). */
  appendsPending = false;
  outbox: Message[] = [];
  /** Our latest snapshot, with its data. */
  snapshot: Snapshot | null;
  /** A snapshot transfer from the leader in progress. */
  incomingSnapshot: IncomingSnapshot | null = null;
  /** A received snapshot to hand to the driver in the next Ready. */
  private snapshotToInstall: Snapshot | null = null;
  /** The membership in force at the log's first index - 1 (what compaction took out of the log). */
  private baseMembership: Membership;
  /** The hard state last handed to storage in a Ready (durable once that write is). */
  private writtenHardState: HardState;
  private reportedSoftState: SoftState;

  constructor(config: RaftConfig, restored: RestoredState) {
    validateRaftConfig(config);
    this.id = config.id;
    this.config = config;
    this.term = restored.hardState.term;
    this.vote = restored.hardState.vote;
    this.snapshot = restored.snapshot;
    this.log = new RaftLog(restored.snapshot?.meta ?? null, restored.entries, restored.hardState.commit);
    this.baseMembership = restored.membership;
    this.membership = restored.membership;
    for (const entry of this.log.configEntries()) this.membership = decodeMembership(entry.data);
    this.writtenHardState = { ...restored.hardState };
    this.reportedSoftState = this.softState();
    this.resetElectionTimer();
  }

  // --- inputs --------------------------------------------------------------------------------

  tick(): void {
    this.electionElapsedTicks++;
    if (this.ticksSinceStart < this.config.electionTimeoutTicks) this.ticksSinceStart++;
    if (this.role === 'leader') {
      this.heartbeatElapsedTicks++;
      if (this.electionElapsedTicks >= this.config.electionTimeoutTicks) {
        this.electionElapsedTicks = 0;
        if (this.config.checkQuorum && !quorumRecentlyActive(this)) {
          this.becomeFollower(this.term, NO_NODE);
          return;
        }
      }
      tickSnapshotTransfers(this);
      if (this.heartbeatElapsedTicks >= this.config.heartbeatIntervalTicks) {
        this.heartbeatElapsedTicks = 0;
        broadcastHeartbeats(this, true);
      }
      return;
    }
    if (this.electionElapsedTicks >= this.randomizedElectionTimeoutTicks && this.isVoter(this.id)) {
      this.campaign();
    }
  }

  step(message: Message): void {
    assert(message.to === this.id, () => `message for ${message.to} delivered to ${this.id}`);
    if (!this.isMember(message.from)) return; // not (or no longer) in the cluster
    if (message.term > this.term) {
      if (!acceptHigherTerm(this, message)) return;
    } else if (message.term < this.term) {
      answerLowerTerm(this, message);
      return;
    }
    if (message.type === 'vote') {
      handleVoteRequest(this, message);
      return;
    }
    switch (this.role) {
      case 'leader':
        stepLeader(this, message);
        break;
      case 'candidate':
      case 'pre-candidate':
        stepCandidate(this, message);
        break;
      case 'follower':
        stepFollower(this, message);
        break;
    }
  }

  propose(commands: Uint8Array[]): ProposeResult {
    if (this.role !== 'leader') return { ok: false, error: { type: 'not-leader', leaderHint: this.leader } };
    if (commands.length === 0) return { ok: false, error: { type: 'proposal-dropped', reason: 'empty proposal' } };
    const uncommitted = this.log.lastIndex() - this.log.commitIndex;
    if (uncommitted + commands.length > this.config.uncommittedEntriesMax) {
      return { ok: false, error: { type: 'proposal-dropped', reason: `too many uncommitted entries (${uncommitted})` } };
    }
    // The byte bound takes the longest prefix that fits; the first command always fits when
    // nothing is pending, so a single write as large as an entry may be is never refused here.
    this.uncommittedBytes.release(this.log.commitIndex);
    const pendingBytes = this.uncommittedBytes.pendingBytes;
    const limitBytes = this.config.uncommittedBytesMax;
    let taken = 0;
    let bytes = 0;
    for (const command of commands) {
      const fits = pendingBytes + bytes + command.length <= limitBytes || (pendingBytes === 0 && taken === 0);
      if (!fits) break;
      bytes += command.length;
      taken++;
    }
    const tooManyBytes = (): ProposalDropped => ({ type: 'proposal-dropped', reason: `too many uncommitted bytes (${pendingBytes + bytes} pending, limit ${limitBytes})` });
    if (taken === 0) return { ok: false, error: tooManyBytes() };
    const firstIndex = this.log.lastIndex() + 1;
    const appended = taken === commands.length ? commands : commands.slice(0, taken);
    this.appendEntries(appended.map((data) => ({ kind: 'normal' as const, data })));
    this.uncommittedBytes.add(this.log.lastIndex(), bytes);
    const result = { ok: true as const, term: this.term, firstIndex, lastIndex: this.log.lastIndex() };
    return taken === commands.length ? result : { ...result, rest: tooManyBytes() };
  }

  /**
   * With readLease: the index a read may be served at without a quorum round, if the driver's
   * lease (a quorum confirmed this leadership within the lease time) holds — the commit index,
   * once this leader has committed an entry of its own term; null when it may not.
   */
  leaseReadIndex(): number | null {
    if (!this.config.readLease || this.role !== 'leader') return null;
    return this.log.term(this.log.commitIndex) === this.term ? this.log.commitIndex : null;
  }

  currentTerm(): number {
    return this.term;
  }

  /**
   * Whether this node ignores vote requests now (and does not campaign): for an election timeout
   * after it heard from a leader, and after it (re)started — whatever its own readLease setting,
   * since another node's leader may be relying on leases (see RaftConfig.readLease).
   */
  inVoteLease(): boolean {
    if (!this.config.checkQuorum || this.electionElapsedTicks >= this.config.electionTimeoutTicks) return false;
    return this.leader !== NO_NODE || this.ticksSinceStart < this.config.electionTimeoutTicks;
  }

  readIndex(requestId: number): ReadIndexResult {
    if (this.role !== 'leader') return { ok: false, error: { type: 'not-leader', leaderHint: this.leader } };
    // Until the leader commits an entry of its own term it does not know the latest commit index
    // (§6.4 of the Raft thesis): such reads wait for its no-op to commit.
    this.reads.add(requestId, this.log.term(this.log.commitIndex) === this.term ? this.log.commitIndex : null);
    return { ok: true };
  }

  /**
   * A snapshot of the state machine at the applied index, for the driver to store; then
   * compact() with it. Pure: nothing changes until compact().
   */
  createSnapshot(data: Uint8Array): Snapshot {
    const index = this.log.appliedIndex;
    const term = this.log.term(index);
    assert(term !== undefined, () => `no term for applied index ${index}`);
    return { meta: { index, term, membership: this.membershipAt(index) }, data };
  }

  /**
   * Adopts a stored snapshot and drops the log it covers, keeping the last `retainEntries` entries
   * so a follower that is only a little behind still gets entries rather than the whole snapshot.
   */
  compact(snapshot: Snapshot, retainEntries: number): void {
    const { index, term } = snapshot.meta;
    assert(index <= this.log.appliedIndex, () => `snapshot at ${index} beyond applied ${this.log.appliedIndex}`);
    assert(this.log.term(index) === term, () => `snapshot term ${term} does not match the log at ${index}`);
    if (this.snapshot !== null && this.snapshot.meta.index >= index) return;
    this.snapshot = snapshot;
    // Entries applied before they were durable here (committed on a quorum) stay until they are.
    const compactIndex = Math.min(Math.max(this.log.snapshotIndex, index - retainEntries), this.log.stableIndex);
    this.baseMembership = this.membershipAt(compactIndex);
    this.log.compactTo(compactIndex);
  }

  /** The index of our latest snapshot (0 when none): compaction may keep entries before it. */
  snapshotIndexTaken(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  /**
   * Starts an election now: a pre-vote round first when pre-vote is on. Not while this node is in
   * a vote lease (it may have just confirmed the leader's read lease: its own vote is one it
   * promised not to give yet).
   */
  campaign(): void {
    if (this.role === 'leader' || !this.isVoter(this.id) || this.inVoteLease()) return;
    startElection(this);
  }

  // --- outputs -------------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.outbox.length > 0 ||
      this.appendsPending ||
      this.reads.hasWork() ||
      this.log.writtenIndex < this.log.lastIndex() ||
      this.snapshotToInstall !== null ||
      this.log.appliedIndex < this.log.commitIndex ||
      this.hardStateChanged() ||
      this.softStateChanged()
    );
  }

  ready(): Ready {
    if (this.role === 'leader') {
      if (this.reads.needsRound()) {
        this.reads.startRound();
        broadcastHeartbeats(this, false);
        releaseConfirmedReads(this); // a single voter confirms on its own
      }
      maybeSendAppends(this);
    }
    const hardState = this.hardStateChanged() ? this.hardState() : null;
    const softState = this.softStateChanged() ? this.softState() : null;
    if (softState) this.reportedSoftState = softState;
    const messagesBeforePersist: Message[] = [];
    const messages: Message[] = [];
    // A leader's messages promise nothing about its own disk (its term and vote were durable before
    // it could win a vote; the commit index it sends is durable on a quorum): they need not wait for
    // its write — unless this very Ready carries its term (a single voter elects itself unasked).
    const written = this.writtenHardState;
    const termSettled = hardState === null || (hardState.term === written.term && hardState.vote === written.vote);
    const early = termSettled && this.role === 'leader';
    for (const message of this.outbox) {
      if (early) messagesBeforePersist.push(message);
      else messages.push(message);
    }
    this.outbox = [];
    const { confirmed, dropped } = this.reads.take();
    const snapshot = this.snapshotToInstall;
    this.snapshotToInstall = null;
    return {
      softState,
      snapshot,
      hardState,
      entries: this.log.unwrittenEntries(),
      messagesBeforePersist,
      messages,
      committedEntries: this.log.nextCommittedEntries(COMMITTED_BYTES_PER_READY_MAX),
      readStates: confirmed,
      droppedReads: dropped,
    };
  }

  /**
   * The Ready was handled. With `durable: false` its entries were written but are not durable yet
   * (a storage that syncs in the background): call persisted() for them once they are.
   */
  advance(ready: Ready, options: { durable: boolean } = { durable: true }): void {
    if (ready.hardState) this.writtenHardState = ready.hardState;
    const lastWritten = ready.entries[ready.entries.length - 1];
    if (lastWritten) {
      this.log.writtenTo(lastWritten.index);
      if (options.durable || this.config.unsafe?.countUnsyncedSelf) this.persisted(lastWritten.index, lastWritten.term);
    }
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastApplied) this.log.appliedTo(lastApplied.index);
  }

  /** Entries up to (index, term), written in an earlier Ready, are durable now. */
  persisted(index: number, term: number): void {
    this.log.stableTo(index, term);
    if (this.role === 'leader') maybeCommit(this); // our own copy now counts
  }

  status(): RaftStatus {
    return {
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commitIndex: this.log.commitIndex,
      lastIndex: this.log.lastIndex(),
      firstIndex: this.log.firstIndex(),
      snapshotIndex: this.log.snapshotIndex,
      membership: this.membership,
    };
  }

  // --- role changes (used by the step handlers) ------------------------------------------------

  /** Replaces our log and state with a complete snapshot received from the leader. */
  installSnapshot(snapshot: Snapshot): void {
    this.log.restoreSnapshot(snapshot.meta);
    this.baseMembership = snapshot.meta.membership;
    this.membership = snapshot.meta.membership;
    this.snapshot = snapshot;
    this.snapshotToInstall = snapshot;
  }

  /** The membership in force at `index`: the last config entry at or before it, else the base. */
  private membershipAt(index: number): Membership {
    let membership = this.baseMembership;
    for (const entry of this.log.configEntries()) if (entry.index <= index) membership = decodeMembership(entry.data);
    return membership;
  }

  becomeFollower(term: number, leader: NodeId): void {
    assert(term >= this.term, () => `term goes backwards: ${this.term} -> ${term}`);
    if (term > this.term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    if (this.role === 'leader') this.reads.dropAll();
    // A half-received snapshot from another leader or term is of no use (and may be large).
    if (this.incomingSnapshot !== null && (this.incomingSnapshot.request.from !== leader || this.incomingSnapshot.request.term !== term)) {
      this.incomingSnapshot = null;
    }
    this.role = 'follower';
    this.leader = leader;
    this.progress.clear();
    this.appendsPending = false;
    this.resetElectionTimer();
  }

  // --- helpers for the step handlers ---------------------------------------------------------

  send(message: Message): void {
    this.outbox.push(message);
  }

  appendEntries(entries: Array<Pick<Entry, 'kind' | 'data'>>): void {
    let index = this.log.lastIndex();
    this.log.append(entries.map((e) => ({ term: this.term, index: ++index, kind: e.kind, data: e.data })));
    this.appendsPending = true;
  }

  /** Ticks of patience earned by an append carrying `bytes` of entries (RaftConfig.appendGraceBytesPerTick). */
  appendGraceTicks(bytes: number): number {
    const bytesPerTick = this.config.appendGraceBytesPerTick;
    return bytesPerTick === 0 ? 0 : Math.floor(bytes / bytesPerTick);
  }

  resetElectionTimer(): void {
    this.electionElapsedTicks = 0;
    const base = this.config.electionTimeoutTicks;
    this.randomizedElectionTimeoutTicks = this.config.random.int(base, 2 * base - 1);
  }

  members(): NodeId[] {
    return [...this.membership.voters, ...this.membership.learners];
  }

  isVoter(id: NodeId): boolean {
    return this.membership.voters.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.isVoter(id) || this.membership.learners.includes(id);
  }

  private hardState(): HardState {
    const vote = this.config.unsafe?.forgetVote ? NO_NODE : this.vote;
    return { term: this.term, vote, commit: this.log.commitIndex };
  }

  private hardStateChanged(): boolean {
    const h = this.hardState();
    const p = this.writtenHardState;
    return h.term !== p.term || h.vote !== p.vote || h.commit !== p.commit;
  }

  private softState(): SoftState {
    return { role: this.role, leader: this.leader, term: this.term };
  }

  private softStateChanged(): boolean {
    const s = this.reportedSoftState;
    return s.role !== this.role || s.leader !== this.leader || s.term !== this.term;
  }
}
