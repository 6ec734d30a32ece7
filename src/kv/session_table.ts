/**
 * Exactly-once bookkeeping: per client session, the highest applied sequence number and the
 * results of the writes in a window below it, so a retried write (same client id and sequence)
 * gets its first result back instead of being applied twice. Pipelined writes may be retried out
 * of order, hence a window rather than only the last result.
 *
 * The table is bounded: at most `maxSessions` sessions, evicting the least recently used. Map
 * insertion order is the recency order, so every replica evicts the same session.
 *
 * The rule for sessions the table does not hold (never seen, or evicted): only sequence 1 opens a
 * session. Any higher sequence of an unknown session is refused with SESSIONEXPIRED, because the
 * table cannot tell "new" from "evicted": an evicted session retrying sequence 5 may well have
 * applied it already, and applying it again would break exactly-once. A write whose sequence fell
 * below the window of a known session is refused the same way. Either way the client cannot know
 * whether that write was applied and must open a new session (a new client id).
 * What remains: a retry of sequence 1 itself after its session was evicted (more than maxSessions
 * other sessions used in between) applies again; the retry window of a client is far shorter.
 * Clients start a session by sending sequence 1 first (pipelined writes after it keep their order
 * on one connection, so 2, 3, ... find the session open).
 */
import { assert } from '../lib/assert.js';

export const DEFAULT_MAX_SESSIONS = 10_000;
/**
 * Sequence numbers kept per session below its highest one. It caps how many writes one session
 * may have in flight (pipelined), so it also caps one client's pipelined write rate: 1024 in flight
 * at ~2 ms a commit is ~500k writes/s. Memory: one small result per sequence, at most
 * maxSessions × window results in all (sessions rarely fill their window).
 */
export const DEFAULT_SESSION_WINDOW = 1024;
/** Error text of a refused retry; clients match the first word. */
export const SESSION_EXPIRED_CODE = 'SESSIONEXPIRED';

export interface Session {
  lastSequence: number;
  /** Results by sequence, for sequences in (lastSequence - window, lastSequence]. */
  results: Map<number, Uint8Array>;
}

export type SessionCheck =
  | { kind: 'new' }
  | { kind: 'duplicate'; result: Uint8Array }
  | { kind: 'expired'; message: string };

export class SessionTable {
  readonly maxSessions: number;
  readonly window: number;
  private readonly sessions = new Map<string, Session>();

  constructor(maxSessions = DEFAULT_MAX_SESSIONS, window = DEFAULT_SESSION_WINDOW) {
    assert(maxSessions >= 1 && window >= 1, 'session table bounds must be positive');
    this.maxSessions = maxSessions;
    this.window = window;
  }

  get size(): number {
    return this.sessions.size;
  }

  check(clientId: string, sequence: number): SessionCheck {
    const session = this.sessions.get(clientId);
    if (session === undefined) {
      // Only sequence 1 opens a session: a higher one may come from an evicted session whose
      // write was applied before (see the rule at the top).
      if (sequence === 1) return { kind: 'new' };
      return {
        kind: 'expired',
        message: `${SESSION_EXPIRED_CODE} client session '${clientId}' is unknown or expired (sequence ${sequence}; a session starts at 1); open a new session`,
      };
    }
    if (sequence > session.lastSequence) return { kind: 'new' };
    const result = session.results.get(sequence);
    if (result !== undefined) {
      this.touch(clientId, session);
      return { kind: 'duplicate', result };
    }
    if (sequence <= session.lastSequence - this.window) {
      return {
        kind: 'expired',
        message: `${SESSION_EXPIRED_CODE} sequence ${sequence} of session '${clientId}' is below the retry window (last ${session.lastSequence})`,
      };
    }
    return { kind: 'new' }; // inside the window but never applied: a write that arrived late
  }

  record(clientId: string, sequence: number, result: Uint8Array): void {
    let session = this.sessions.get(clientId);
    if (session === undefined) {
      session = { lastSequence: 0, results: new Map() };
      if (this.sessions.size >= this.maxSessions) this.evictOldest();
    }
    session.results.set(sequence, result);
    if (sequence > session.lastSequence) session.lastSequence = sequence;
    this.prune(session);
    this.touch(clientId, session);
  }

  /** Sessions from least to most recently used (the snapshot order). */
  entries(): IterableIterator<[string, Session]> {
    return this.sessions.entries();
  }

  /** Restores sessions in snapshot order (least recently used first). */
  load(entries: Iterable<[string, Session]>): void {
    this.sessions.clear();
    for (const [clientId, session] of entries) this.sessions.set(clientId, session);
  }

  private touch(clientId: string, session: Session): void {
    this.sessions.delete(clientId);
    this.sessions.set(clientId, session);
  }

  private evictOldest(): void {
    const oldest = this.sessions.keys().next();
    if (!oldest.done) this.sessions.delete(oldest.value);
  }

  /** Drops results that fell below the window, oldest first (results arrive mostly in order). */
  private prune(session: Session): void {
    const floor = session.lastSequence - this.window;
    for (const sequence of session.results.keys()) {
      if (sequence > floor) break;
      session.results.delete(sequence);
    }
  }
}
