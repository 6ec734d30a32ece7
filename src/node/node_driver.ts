/**
 * The node driver: the one piece of glue between the pure Raft core and a runtime (the
 * simulator, a worker thread, a process). Inputs (ticks, messages, proposals, reads) are queued
 * and handled in flush(), which runs the Ready loop in contract order:
 * write → apply → serve reads → advance → (once durable) send.
 *
 * Durability may come later than the write (a storage that syncs in the background, see
 * Storage.whenDurable): the messages that must follow persistence wait in the DurableOutbox while
 * the core goes on — the leader keeps taking proposals and sending appends, and the next sync
 * covers every write made meanwhile (group commit).
 *
 * Re-entrancy: callbacks run inside flush() and may call propose()/read() again; those only
 * queue, and flush() loops once more, so the core is never touched between ready() and advance().
 */
import type { RestoredState } from '../core/raft_node.js';
import { RaftNode } from '../core/raft_node.js';
import type { Entry, Message, NodeId, Ready, Snapshot, SoftState } from '../core/types.js';
import { DurableOutbox } from './durable_outbox.js';
import { assert } from '../lib/assert.js';
import { Prng } from '../lib/prng.js';
import type { ReadConsistency } from './types.js';
import type { NodeDriverOptions, NodeError, NodeStatus, ProposalGrouping, ProposalOutcome, ReadOutcome } from './types.js';
import { PendingProposals } from './pending_proposals.js';
import { answerRead, EMPTY_RESULT, PendingReads, type PendingRead } from './pending_reads.js';
import { ReadLease } from './read_lease.js';

/** Named bounds on every queue the driver holds. */
export const DRIVER_LIMITS = {
  /** Proposals queued or appended but not yet applied; more are refused (backpressure). */
  pendingProposalsMax: 10_000,
  /** Reads queued, waiting for a quorum round or for the state machine to catch up. */
  pendingReadsMax: 10_000,
  /** Raft messages received but not yet stepped; more are dropped (Raft tolerates loss). */
  inboxMessagesMax: 10_000,
  /** Readies written but not yet durable; past this the Ready loop waits for the disk (backpressure). */
  unsyncedReadiesMax: 10_000,
} as const;

interface QueuedProposal {
  command: Uint8Array;
  callback: (outcome: ProposalOutcome) => void;
}

function packGroup(grouping: ProposalGrouping, members: QueuedProposal[]): QueuedProposal {
  return {
    command: grouping.pack(members.map((member) => member.command)),
    callback: (outcome) => {
      if (!outcome.ok) {
        for (const member of members) member.callback(outcome);
        return;
      }
      const results = grouping.unpack(outcome.result, members.length);
      assert(results !== null, () => `the state machine answered a group of ${members.length} with undecodable results`);
      members.forEach((member, i) => member.callback({ ok: true, index: outcome.index, result: results[i] as Uint8Array }));
    },
  };
}

export class NodeDriver {
  readonly id: NodeId;
  private readonly options: NodeDriverOptions;
  private readonly core: RaftNode;
  private appliedIndex: number;
  private tickCount = 0;
  private ticksQueued = 0;
  private inbox: Message[] = [];
  private proposalQueue: QueuedProposal[] = [];
  private readonly proposals = new PendingProposals();
  private readonly reads = new PendingReads();
  private readonly lease: ReadLease | null;
  private staleReads: Array<{ query: Uint8Array | null; callback: (outcome: ReadOutcome) => void }> = [];
  private nextReadRequestId = 1;
  private softState: SoftState;
  private readonly outbox: DurableOutbox;
  private storageFailure: Error | null = null;
  private flushing = false;
  private flushAgain = false;
  private flushRequested = false;
  private stopped = false;
  private bytesAppliedSinceSnapshot = 0;
  /** Messages dropped because the inbox was full (a sign of overload, shown in status). */
  droppedMessages = 0;

  constructor(options: NodeDriverOptions) {
    this.options = options;
    this.id = options.id;
    const { restored, appliedIndex } = this.restore();
    this.appliedIndex = appliedIndex;
    this.core = new RaftNode({ ...options.raft, id: options.id, random: new Prng(options.seed) }, restored);
    this.outbox = new DurableOutbox(
      {
        storage: options.storage,
        send: (messages) => options.transport.send(messages),
        persisted: (index, term) => this.core.persisted(index, term),
        failed: (error) => {
          this.storageFailure ??= error;
          this.scheduleFlush();
        },
        released: () => this.scheduleFlush(),
      },
      restored.hardState,
    );
    const clock = options.leaseClock;
    this.lease = clock !== undefined && options.raft.readLease ? new ReadLease(clock, options.raft.electionTimeoutTicks) : null;
    const status = this.core.status();
    this.softState = { role: status.role, leader: status.leader, term: status.term };
    options.transport.onMessage((message) => this.receive(message));
  }

  /** Loads storage (bootstrapping a fresh node) and rebuilds the state machine from a snapshot. */
  private restore(): { restored: RestoredState; appliedIndex: number } {
    const { storage, stateMachine, initialMembership } = this.options;
    const persisted = storage.load();
    let bootstrap = persisted.bootstrapMembership;
    if (bootstrap === null) {
      storage.bootstrap(initialMembership);
      bootstrap = initialMembership;
    }
    const snapshot = persisted.snapshot;
    if (snapshot !== null) stateMachine.restore(snapshot.data);
    return {
      restored: {
        hardState: persisted.hardState,
        snapshot,
        entries: persisted.entries,
        membership: snapshot?.meta.membership ?? bootstrap,
      },
      appliedIndex: snapshot?.meta.index ?? 0,
    };
  }

  // --- inputs --------------------------------------------------------------------------------

  /** One logical tick of the runtime's clock; handled at once. */
  tick(): void {
    if (this.stopped) return;
    // A campaign's clock stands still while its term and vote are not durable (as it did when the
    // sync blocked the thread): else a disk slower than the election timeout would restart every
    // campaign before its vote requests could leave.
    const role = this.softState.role;
    if ((role === 'candidate' || role === 'pre-candidate') && this.outbox.waiting > 0) return;
    this.ticksQueued++;
    this.flush();
  }

  propose(command: Uint8Array, callback: (outcome: ProposalOutcome) => void): void {
    if (this.stopped) return callback({ ok: false, error: { type: 'stopped' } });
    const limitBytes = this.options.entryBytesMax ?? Infinity;
    if (command.length > limitBytes) return callback({ ok: false, error: { type: 'too-large', bytes: command.length, limitBytes } });
    if (this.proposalQueue.length + this.proposals.size >= DRIVER_LIMITS.pendingProposalsMax) {
      const reason = `too many pending proposals (limit ${DRIVER_LIMITS.pendingProposalsMax})`;
      return callback({ ok: false, error: { type: 'proposal-dropped', reason } });
    }
    this.proposalQueue.push({ command, callback });
    this.scheduleFlush();
  }

  /**
   * Answers `query` from the state machine once it reflects every write committed before the call
   * ('linearizable'), or at once from local state ('stale'). A null query is a read barrier: the
   * callback gets an empty result at that same point, and the caller reads the state machine itself
   * inside the callback (a node's client port querying without the codec).
   */
  read(query: Uint8Array | null, consistency: ReadConsistency, callback: (outcome: ReadOutcome) => void): void {
    if (this.stopped) return callback({ ok: false, error: { type: 'stopped' } });
    if (this.reads.size + this.staleReads.length >= DRIVER_LIMITS.pendingReadsMax) {
      const reason = `too many pending reads (limit ${DRIVER_LIMITS.pendingReadsMax})`;
      return callback({ ok: false, error: { type: 'proposal-dropped', reason } });
    }
    if (consistency === 'stale') this.staleReads.push({ query, callback });
    else this.reads.enqueue({ query, deadlineTick: this.tickCount + this.options.requestTimeoutTicks, callback });
    this.scheduleFlush();
  }

  private receive(message: Message): void {
    if (this.stopped) return;
    if (message.to !== this.id || this.inbox.length >= DRIVER_LIMITS.inboxMessagesMax) {
      this.droppedMessages++;
      return;
    }
    this.inbox.push(message);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushing) {
      this.flushAgain = true;
    } else if (!this.flushRequested) {
      this.flushRequested = true;
      this.options.requestFlush();
    }
  }

  // --- the Ready loop ------------------------------------------------------------------------

  flush(): void {
    if (this.stopped) return;
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    this.flushRequested = false;
    try {
      do {
        this.flushAgain = false;
        if (this.storageFailure !== null) throw this.storageFailure;
        this.feedCore();
        while (!this.stopped && this.outbox.waiting < DRIVER_LIMITS.unsyncedReadiesMax && this.core.hasReady()) {
          this.handleReady(this.core.ready());
        }
        this.serveStaleReads();
      } while (this.flushAgain && !this.stopped);
    } finally {
      this.flushing = false;
    }
  }

  /** Hands every queued input to the core: ticks, messages, one proposal batch, one read batch. */
  private feedCore(): void {
    for (; this.ticksQueued > 0; this.ticksQueued--) {
      this.core.tick();
      this.tickCount++;
      this.proposals.expire(this.tickCount);
      this.reads.expire(this.tickCount);
    }
    const inbox = this.inbox;
    this.inbox = [];
    for (const message of inbox) this.core.step(message);
    if (this.proposalQueue.length > 0) this.proposeBatch();
    if (this.reads.hasQueued()) this.startReads(this.reads.takeQueued());
  }

  /** One quorum round for the batch — or none while the leader's lease holds (then maybe a renewal). */
  private startReads(batch: PendingRead[]): void {
    const term = this.core.currentTerm();
    const leaseIndex = this.lease?.holds(term) ? this.core.leaseReadIndex() : null;
    if (leaseIndex !== null) {
      this.reads.confirmBatch(batch, leaseIndex);
      this.reads.serve(this.appliedIndex, this.options.stateMachine); // no Ready may come to do it
      if (this.lease?.wantsRenewal()) this.startRound(term);
      return;
    }
    const round = this.startRound(term);
    if (round.ok) this.reads.startBatch(round.requestId, batch);
    else this.reads.failBatch(batch, round.error);
  }

  /** A ReadIndex round, stamped for the lease (a batch's, or a renewal without reads). */
  private startRound(term: number): { ok: true; requestId: number } | { ok: false; error: NodeError } {
    const requestId = this.nextReadRequestId++;
    const result = this.core.readIndex(requestId);
    if (!result.ok) return result;
    this.lease?.roundStarted(requestId, term);
    return { ok: true, requestId };
  }

  private proposeBatch(): void {
    const queue = this.options.proposalGrouping === undefined ? this.proposalQueue : this.group(this.proposalQueue);
    this.proposalQueue = [];
    const result = this.core.propose(queue.map((proposal) => proposal.command));
    if (!result.ok) {
      for (const proposal of queue) proposal.callback({ ok: false, error: result.error });
      return;
    }
    const appended = result.lastIndex - result.firstIndex + 1;
    assert(appended === queue.length || (result.rest !== undefined && appended < queue.length), 'core appended a different number of entries than proposed');
    const deadlineTick = this.tickCount + this.options.requestTimeoutTicks;
    queue.forEach((proposal, i) => {
      if (i < appended) this.proposals.add(result.firstIndex + i, result.term, deadlineTick, proposal.callback);
      else proposal.callback({ ok: false, error: result.rest as NodeError });
    });
  }

  /**
   * Packs queued proposals into group entries of bounded size (see ProposalGrouping): one log
   * entry per group, its result split back to each proposal's callback.
   */
  private group(queue: QueuedProposal[]): QueuedProposal[] {
    const grouping = this.options.proposalGrouping as ProposalGrouping;
    const groups: QueuedProposal[] = [];
    for (let start = 0; start < queue.length; ) {
      let end = start + 1;
      let bytes = (queue[start] as QueuedProposal).command.length;
      while (end < queue.length && bytes + (queue[end] as QueuedProposal).command.length <= grouping.groupBytesMax) {
        bytes += (queue[end] as QueuedProposal).command.length;
        end++;
      }
      const members = queue.slice(start, end);
      groups.push(members.length === 1 ? (members[0] as QueuedProposal) : packGroup(grouping, members));
      start = end;
    }
    return groups;
  }

  private handleReady(ready: Ready): void {
    const { storage, transport } = this.options;
    if (ready.snapshot !== null) this.installSnapshot(ready.snapshot);
    const outgoing = this.outbox.split(ready);
    // A leader's messages go out while it writes the same entries to its own disk.
    if (outgoing.early.length > 0) transport.send(outgoing.early);
    const writes = ready.hardState !== null || ready.entries.length > 0;
    if (writes) storage.save({ hardState: ready.hardState, entries: ready.entries });
    this.apply(ready.committedEntries);
    for (const readState of ready.readStates) {
      this.reads.confirm(readState.requestId, readState.index);
      this.lease?.roundConfirmed(readState.requestId);
    }
    if (ready.droppedReads.length > 0) {
      const leaderHint = ready.softState?.leader ?? this.softState.leader;
      for (const requestId of ready.droppedReads) {
        this.reads.drop(requestId, { type: 'not-leader', leaderHint });
        this.lease?.roundDropped(requestId);
      }
    }
    this.reads.serve(this.appliedIndex, this.options.stateMachine);
    if (ready.softState !== null) this.changeSoftState(ready.softState);
    if (this.stopped) return; // a callback stopped the node: its storage and transport are closed
    this.core.advance(ready, { durable: false });
    if (writes) this.outbox.sendWhenDurable(outgoing, ready.entries.at(-1) ?? null);
    else this.outbox.sendAfterEarlierWrites(outgoing);
    if (ready.committedEntries.length > 0) {
      this.options.onEvent?.({ type: 'applied', node: this.id, index: this.appliedIndex, entries: ready.committedEntries });
      this.maybeSnapshot();
    }
  }

  /** A snapshot from the leader: stored first (atomically replacing the log), then restored. */
  private installSnapshot(snapshot: Snapshot): void {
    this.options.storage.saveSnapshot(snapshot);
    this.options.stateMachine.restore(snapshot.data);
    this.appliedIndex = snapshot.meta.index;
    this.bytesAppliedSinceSnapshot = 0;
    this.options.onEvent?.({ type: 'snapshot-installed', node: this.id, index: snapshot.meta.index });
  }

  private maybeSnapshot(): void {
    const policy = this.options.snapshotPolicy;
    if (policy === undefined) return;
    const entriesSince = this.appliedIndex - this.core.snapshotIndexTaken();
    if (entriesSince >= policy.entriesThreshold || this.bytesAppliedSinceSnapshot >= policy.bytesThreshold) this.snapshotNow();
  }

  /**
   * Snapshots the state machine at the applied index, stores it, and compacts the log.
   * Returns the snapshot's index (unchanged when nothing was applied since the last one).
   */
  snapshotNow(): number {
    if (this.stopped) return this.core.status().snapshotIndex;
    const current = this.core.snapshotIndexTaken();
    if (current >= this.appliedIndex) return current;
    const snapshot = this.core.createSnapshot(this.options.stateMachine.snapshot());
    this.options.storage.saveSnapshot(snapshot);
    this.core.compact(snapshot, this.options.snapshotPolicy?.retainEntries ?? 0);
    this.bytesAppliedSinceSnapshot = 0;
    this.options.onEvent?.({ type: 'snapshot-taken', node: this.id, index: snapshot.meta.index, bytes: snapshot.data.length });
    return snapshot.meta.index;
  }

  private apply(entries: readonly Entry[]): void {
    const stateMachine = this.options.stateMachine;
    for (const entry of entries) {
      assert(entry.index === this.appliedIndex + 1, () => `node ${this.id} applies index ${entry.index} after ${this.appliedIndex}`);
      // Only a proposal waiting here reads the result: followers skip encoding it.
      const resultWanted = this.proposals.waitsFor(entry.index);
      const result = entry.kind === 'normal' ? stateMachine.apply(entry.data, entry.index, resultWanted) : EMPTY_RESULT;
      this.appliedIndex = entry.index;
      this.bytesAppliedSinceSnapshot += entry.data.length;
      this.proposals.settle(entry.index, entry.term, result);
    }
  }

  private changeSoftState(next: SoftState): void {
    // A proposal appended by this node as leader of an earlier term may still commit under the
    // next leader, and this node can no longer tell: its outcome is unknown, which is what
    // 'timeout' means to clients (retry with the same session sequence, or read first).
    const error: NodeError = { type: 'timeout' };
    if (next.role !== 'leader') this.proposals.failAll(error);
    else this.proposals.failOtherTerms(next.term, error);
    if (next.role !== 'leader' || next.term !== this.softState.term) this.lease?.lose(next.term);
    this.softState = next;
    this.options.onEvent?.({ type: 'leader-changed', node: this.id, role: next.role, term: next.term, leader: next.leader });
  }

  private serveStaleReads(): void {
    if (this.staleReads.length === 0) return;
    const reads = this.staleReads;
    this.staleReads = [];
    for (const read of reads) {
      read.callback({ ok: true, index: this.appliedIndex, result: answerRead(read.query, this.options.stateMachine) });
    }
  }

  // --- inspection and shutdown ---------------------------------------------------------------

  status(): NodeStatus {
    const core = this.core.status();
    return {
      id: this.id,
      role: core.role,
      term: core.term,
      leader: core.leader,
      commitIndex: core.commitIndex,
      appliedIndex: this.appliedIndex,
      lastIndex: core.lastIndex,
      firstIndex: core.firstIndex,
      snapshotIndex: this.core.snapshotIndexTaken(),
      membership: core.membership,
      pendingProposals: this.proposals.size + this.proposalQueue.length,
      pendingReads: this.reads.size + this.staleReads.length,
    };
  }

  /** Starts an election now (leadership tests, operator commands). */
  campaign(): void {
    if (this.stopped) return;
    this.core.campaign();
    this.scheduleFlush();
  }

  /** Fails everything pending with 'stopped', then closes the transport and the storage. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.outbox.close(); // nothing more leaves, even if a sync lands inside a callback below
    const error: NodeError = { type: 'stopped' };
    const queued = this.proposalQueue;
    this.proposalQueue = [];
    for (const proposal of queued) proposal.callback({ ok: false, error });
    // Proposals already in the log may still commit under another leader: outcome unknown.
    this.proposals.failAll({ type: 'timeout' });
    this.reads.failAll(error);
    for (const read of this.staleReads) read.callback({ ok: false, error });
    this.staleReads = [];
    this.options.transport.close();
    this.options.storage.close();
  }
}
