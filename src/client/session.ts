/**
 * The client's exactly-once session: an id and a sequence number per write. A write keeps its
 * (session, sequence) across retries, so the state machine applies it once and answers a retry
 * with the first result.
 *
 * The server keeps results only for a window of sequences below the highest it applied (1024 by
 * default), so a write still being retried must stay within that distance of every newer write.
 * A new sequence is therefore handed out only while it is less than MAX_SEQUENCE_SPAN above the
 * oldest unfinished one; later writes wait. (Bounding the count of writes in flight is not
 * enough: one slow write plus a stream of quick ones would drift out of the window.)
 */

/** Largest distance between the oldest unfinished write and a new one; below the server's 1024. */
export const MAX_SEQUENCE_SPAN = 1000;

export interface WriteTicket {
  sessionId: string;
  sequence: number;
}

interface SessionState {
  id: string;
  lastSequence: number;
  /** Sequences handed out and not yet finished, in ascending (insertion) order. */
  unfinished: Set<number>;
}

interface Waiter {
  grant: (ticket: WriteTicket) => void;
}

export class ClientSession {
  private current: SessionState;
  private readonly waiters: Waiter[] = [];
  private readonly maxSpan: number;
  /** The state each ticket was issued from (a ticket may outlive a renewal). */
  private readonly issuedBy = new WeakMap<WriteTicket, SessionState>();

  constructor(maxSpan = MAX_SEQUENCE_SPAN) {
    this.current = freshSession();
    this.maxSpan = maxSpan;
  }

  get sessionId(): string {
    return this.current.id;
  }

  /**
   * The next sequence, once it is within the span; null if `deadlineMs` (Date.now() time) passes
   * first. Waiters are served in order.
   */
  begin(deadlineMs: number): Promise<WriteTicket | null> {
    if (this.waiters.length === 0 && this.hasRoom()) return Promise.resolve(this.issue());
    return this.waitForRoom(deadlineMs);
  }

  /** The write has a final answer (result, command error or timeout): it no longer holds the span. */
  end(ticket: WriteTicket): void {
    this.issuedBy.get(ticket)?.unfinished.delete(ticket.sequence);
    this.wakeWaiters();
  }

  /**
   * The server forgot this session: later writes use a fresh one. Writes in flight keep their
   * old tickets; the server answers those with SESSIONEXPIRED too.
   */
  renew(expiredId: string): void {
    if (expiredId !== this.current.id) return; // already renewed by another write
    this.current = freshSession();
    this.wakeWaiters();
  }

  private issue(): WriteTicket {
    const state = this.current;
    state.lastSequence++;
    state.unfinished.add(state.lastSequence);
    const ticket = { sessionId: state.id, sequence: state.lastSequence };
    this.issuedBy.set(ticket, state);
    return ticket;
  }

  private hasRoom(): boolean {
    const oldest = this.current.unfinished.values().next();
    return oldest.done === true || this.current.lastSequence + 1 - oldest.value < this.maxSpan;
  }

  private wakeWaiters(): void {
    while (this.waiters.length > 0 && this.hasRoom()) (this.waiters.shift() as Waiter).grant(this.issue());
  }

  private waitForRoom(deadlineMs: number): Promise<WriteTicket | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: (ticket) => {
          clearTimeout(timer);
          resolve(ticket);
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at !== -1) this.waiters.splice(at, 1);
        resolve(null);
      }, Math.max(0, deadlineMs - Date.now()));
      this.waiters.push(waiter);
    });
  }
}

function freshSession(): SessionState {
  return { id: globalThis.crypto.randomUUID(), lastSequence: 0, unfinished: new Set() };
}
