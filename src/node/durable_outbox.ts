/**
 * The driver's outgoing messages that must wait for the disk. Raft's rule: a node may not promise
 * what is not durable yet (an acknowledged entry, a vote, a term). With a storage that syncs in the
 * background (Storage.whenDurable), each Ready's messages wait here, in Ready order, until its write
 * and every earlier one are durable; then they leave in one batch and the core learns what is on
 * disk. Meanwhile the core goes on, and the next sync covers every write made since (group commit).
 *
 * Two kinds of message need not wait: a leader's (messagesBeforePersist: appends may leave while
 * the leader writes the same entries), and answers that promise only a term that is already durable
 * (promisesOnlyTerm).
 */
import type { Entry, HardState, Message, NodeId, Ready } from '../core/types.js';
import type { Storage } from '../ports/storage.js';

/** Messages of a Ready that wait, in Ready order, for its write and every earlier one to be durable. */
interface Unsynced {
  messages: Message[];
  /** The last entry the write held, reported to the core once durable; null for none. */
  lastEntry: Entry | null;
  /** The write changed the term or the vote. */
  termOrVote: boolean;
  durable: boolean;
}

/** One Ready's messages, split by what they may leave before. */
export interface OutgoingMessages {
  /** May leave before the Ready's write. */
  early: Message[];
  /** Must wait for the Ready's write, and every earlier one, to be durable. */
  held: Message[];
  /** The Ready's write changes the term or the vote. */
  termOrVote: boolean;
}

export interface DurableOutboxHooks {
  storage: Storage;
  send(messages: Message[]): void;
  /** Entries up to this one (of this term) are on disk. */
  persisted(index: number, term: number): void;
  /** A sync failed: nothing written since can be called durable (the node must stop). */
  failed(error: Error): void;
  /** Something was released: the core may have new work (commit, next appends). */
  released(): void;
}

/**
 * A heartbeat response promises nothing about the log (its lastLogIndex is a hint for where to
 * resume replication): only the term it carries, so it need not wait for entries to be durable.
 * Held like the rest, a follower's answers to heartbeats would stop for as long as a slow disk
 * takes to sync, and the leader would step down (check-quorum) for a disk that is merely slow.
 */
function promisesOnlyTerm(message: Message): boolean {
  return message.type === 'heartbeat-response';
}

export class DurableOutbox {
  private readonly hooks: DurableOutboxHooks;
  private unsynced: Unsynced[] = [];
  /**
   * Unsynced writes that changed the term or the vote: while any is, every message waits. A count
   * rather than a scan of `unsynced`, which can hold thousands of Readies.
   */
  private unsyncedTermOrVote = 0;
  /** Term and vote as last written (durable once unsyncedTermOrVote is 0). */
  private written: { term: number; vote: NodeId };
  private closed = false;

  constructor(hooks: DurableOutboxHooks, durable: HardState) {
    this.hooks = hooks;
    this.written = { term: durable.term, vote: durable.vote };
  }

  /** Readies whose messages still wait for the disk. */
  get waiting(): number {
    return this.unsynced.length;
  }

  /** Splits a Ready's messages (and notes the term and vote it writes); call once per Ready. */
  split(ready: Ready): OutgoingMessages {
    const termOrVote = this.writesTermOrVote(ready.hardState);
    if (termOrVote || this.unsyncedTermOrVote > 0 || !ready.messages.some(promisesOnlyTerm)) {
      return { early: ready.messagesBeforePersist, held: ready.messages, termOrVote };
    }
    const early = [...ready.messagesBeforePersist];
    const held: Message[] = [];
    for (const message of ready.messages) (promisesOnlyTerm(message) ? early : held).push(message);
    return { early, held, termOrVote };
  }

  /** Held messages of a Ready that wrote: once the write is durable (at once for a synchronous disk). */
  sendWhenDurable(outgoing: OutgoingMessages, lastEntry: Entry | null): void {
    const item: Unsynced = { messages: outgoing.held, lastEntry, termOrVote: outgoing.termOrVote, durable: false };
    if (item.termOrVote) this.unsyncedTermOrVote++;
    this.unsynced.push(item);
    this.hooks.storage.whenDurable((error) => {
      if (this.closed) return;
      if (error !== null) return this.hooks.failed(error);
      item.durable = true;
      this.release();
    });
  }

  /** Held messages of a Ready that wrote nothing: at once, unless earlier writes are still syncing. */
  sendAfterEarlierWrites(outgoing: OutgoingMessages): void {
    if (this.unsynced.length > 0) this.unsynced.push({ messages: outgoing.held, lastEntry: null, termOrVote: false, durable: true });
    else if (outgoing.held.length > 0) this.hooks.send(outgoing.held);
  }

  /** Drops everything still waiting: a stopped node sends nothing more. */
  close(): void {
    this.closed = true;
    this.unsynced = [];
  }

  private writesTermOrVote(hardState: HardState | null): boolean {
    if (hardState === null) return false;
    if (hardState.term === this.written.term && hardState.vote === this.written.vote) return false;
    this.written = { term: hardState.term, vote: hardState.vote };
    return true;
  }

  /** Sends the messages of durable writes, in Ready order and in one batch, and tells the core what is on disk. */
  private release(): void {
    let released = 0;
    const messages: Message[] = [];
    for (const item of this.unsynced) {
      if (!item.durable) break;
      released++;
      if (item.termOrVote) this.unsyncedTermOrVote--;
      for (const message of item.messages) messages.push(message);
      if (item.lastEntry !== null) this.hooks.persisted(item.lastEntry.index, item.lastEntry.term);
    }
    if (released === 0) return;
    this.unsynced = released === this.unsynced.length ? [] : this.unsynced.slice(released);
    if (messages.length > 0) this.hooks.send(messages);
    this.hooks.released();
  }
}
