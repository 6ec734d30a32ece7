/**
 * Exactly-once bookkeeping: per client session, the highest applied sequence number and the
 * results of the writes in a window below it, so a retried write (same client id and sequence)
 * gets its first result back instead of being applied twice. Pipelined writes may be retried out
 * of order, hence a window rather than only the last result.
 *
 * The table is bounded: at most `maxSessions` live sessions, and at most `maxResultBytes` of kept
 * results (an estimate of their memory, resultCharge()), evicting the least recently used session
 * past either. Map insertion order is the recency order and the charge depends only on the results,
 * so every replica evicts the same session.
 *
 * Eviction must not make a retry apply twice. An evicted session leaves a husk (its id and highest
 * sequence, no results; at most `maxEvicted`, oldest forgotten first). Rules for a write (id, n):
 * - live session: n > highest -> new; a kept result -> that result (a retry); n inside the window
 *   without a result -> new (a pipelined write that arrived late); n below the window -> SESSIONEXPIRED.
 * - husk (evicted): SESSIONEXPIRED for every n. The session may have applied n already, and its
 *   results are gone; the client must open a new session (a new client id).
 * - unknown id: n <= window -> new (a fresh session; its first pipelined writes may arrive out of
 *   order), n > window -> SESSIONEXPIRED.
 * What remains: a session evicted AND then pushed out of the husks (maxSessions + maxEvicted other
 * sessions used in between) whose client still retries a write inside its first window; far beyond
 * any client's retry deadline. Husks travel in snapshots as sessions without results (live
 * sessions always keep their latest result), so every replica agrees.
 */
import { assert } from '../lib/assert.js';
import { OK_RESULT_BYTES } from './command_codec.js';

export const DEFAULT_MAX_SESSIONS = 10_000;
/**
 * Sequence numbers kept per session below its highest one. It caps how many writes one session
 * may have in flight (pipelined), so it also caps one client's pipelined write rate: 1024 in flight
 * at ~2 ms a commit is ~500k writes/s. Memory: one small result per sequence, at most
 * maxSessions × window results in all (sessions rarely fill their window).
 */
export const DEFAULT_SESSION_WINDOW = 1024;
/**
 * A session write's result bigger than this is not kept as it is (a retry gets resultNotKept()):
 * SET ... GET and the like answer with old values, and one session pipelining such writes of big
 * values would keep up to window × value size on every replica and in every snapshot.
 */
export const SESSION_RESULT_BYTES_MAX = 1024;

/** What a retry gets for a write whose result was too big to keep: it was applied once, as asked. */
export function resultNotKept(sequence: number, resultBytes: number): string {
  return `ERR SEQ ${sequence} was applied once; its result (${resultBytes} bytes) was too large to keep for a retry: read the key instead`;
}

/**
 * Kept results' estimated memory past which the least recently used sessions are evicted. Without
 * it the count bounds alone allowed maxSessions × window results: 10 million, several GB on every
 * replica. 256 MiB holds about a thousand sessions with full windows of small results, or eight
 * thousand of plain SET answers.
 */
export const DEFAULT_SESSION_RESULT_BYTES_TOTAL_MAX = 256 * 1024 * 1024;

/**
 * A kept result's estimated memory: the OK answer (kept as the one shared array, see load()) costs
 * its map slot only; any other result is also a small typed array of its own (measured at about
 * 250 bytes for an integer answer). By content, never by identity: a result read back from a
 * snapshot is a copy, and every replica must charge the same.
 */
export function resultCharge(result: Uint8Array): number {
  return isOkResult(result) ? 32 : 256 + result.length;
}

function isOkResult(result: Uint8Array): boolean {
  return result.length === OK_RESULT_BYTES.length && result[0] === OK_RESULT_BYTES[0];
}

/** Evicted sessions remembered (id and highest sequence only), so their retries are refused. */
export const DEFAULT_MAX_EVICTED_SESSIONS = 100_000;
/** Error text of a refused retry; clients match the first word. */
export const SESSION_EXPIRED_CODE = 'SESSIONEXPIRED';

export interface Session {
  lastSequence: number;
  /** Results by sequence, for sequences in (lastSequence - window, lastSequence]. */
  results: Map<number, Uint8Array>;
}

interface LiveSession extends Session {
  /** resultCharge() summed over `results`. */
  resultBytes: number;
}

export type SessionCheck =
  | { kind: 'new' }
  | { kind: 'duplicate'; result: Uint8Array }
  | { kind: 'expired'; message: string };

export class SessionTable {
  readonly maxSessions: number;
  readonly window: number;
  readonly maxEvicted: number;
  readonly maxResultBytes: number;
  private readonly sessions = new Map<string, LiveSession>();
  /** resultCharge() summed over every live session's results. */
  private resultBytes = 0;
  /** Evicted sessions: id -> highest sequence, oldest eviction first. */
  private readonly evicted = new Map<string, number>();

  constructor(
    maxSessions = DEFAULT_MAX_SESSIONS,
    window = DEFAULT_SESSION_WINDOW,
    maxEvicted = DEFAULT_MAX_EVICTED_SESSIONS,
    maxResultBytes = DEFAULT_SESSION_RESULT_BYTES_TOTAL_MAX,
  ) {
    assert(maxSessions >= 1 && window >= 1 && maxEvicted >= 0 && maxResultBytes >= 1, 'session table bounds must be positive');
    this.maxSessions = maxSessions;
    this.window = window;
    this.maxEvicted = maxEvicted;
    this.maxResultBytes = maxResultBytes;
  }

  get evictedCount(): number {
    return this.evicted.size;
  }

  get size(): number {
    return this.sessions.size;
  }

  check(clientId: string, sequence: number): SessionCheck {
    const session = this.sessions.get(clientId);
    if (session === undefined) {
      const evictedAt = this.evicted.get(clientId);
      if (evictedAt !== undefined) {
        return {
          kind: 'expired',
          message: `${SESSION_EXPIRED_CODE} client session '${clientId}' was evicted (last sequence ${evictedAt}); its writes cannot be deduplicated any more: open a new session`,
        };
      }
      if (sequence <= this.window) return { kind: 'new' };
      return {
        kind: 'expired',
        message: `${SESSION_EXPIRED_CODE} client session '${clientId}' is unknown or expired (sequence ${sequence}); open a new session`,
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
      assert(!this.evicted.has(clientId), () => `session '${clientId}' was evicted and cannot record again`);
      session = { lastSequence: 0, results: new Map(), resultBytes: 0 };
      if (this.sessions.size >= this.maxSessions) this.evictOldest();
    }
    // check() answered this sequence 'new': it has no kept result to replace (and un-charge).
    assert(!session.results.has(sequence), () => `session '${clientId}' recorded sequence ${sequence} twice`);
    session.results.set(sequence, result);
    this.charge(session, resultCharge(result));
    if (sequence > session.lastSequence) session.lastSequence = sequence;
    this.prune(session);
    this.touch(clientId, session);
    // The session just used is the most recent: never evicted here while another one is left.
    while (this.resultBytes > this.maxResultBytes && this.sessions.size > 1) this.evictOldest();
  }

  /**
   * The snapshot order: husks (as sessions without results) oldest eviction first, then live
   * sessions from least to most recently used.
   */
  *entries(): IterableIterator<[string, Session]> {
    for (const [clientId, lastSequence] of this.evicted) yield [clientId, { lastSequence, results: new Map() }];
    yield* this.sessions.entries();
  }

  /** Restores what entries() produced. */
  load(entries: Iterable<[string, Session]>): void {
    this.sessions.clear();
    this.evicted.clear();
    this.resultBytes = 0;
    for (const [clientId, session] of entries) {
      if (session.results.size === 0) {
        this.evicted.set(clientId, session.lastSequence);
        continue;
      }
      const live: LiveSession = { lastSequence: session.lastSequence, results: new Map(), resultBytes: 0 };
      for (const [sequence, result] of session.results) {
        // Snapshots hand back copies: share the OK answer again, as applying did.
        live.results.set(sequence, isOkResult(result) ? OK_RESULT_BYTES : result);
        this.charge(live, resultCharge(result));
      }
      this.sessions.set(clientId, live);
    }
  }

  private charge(session: LiveSession, bytes: number): void {
    session.resultBytes += bytes;
    this.resultBytes += bytes;
  }

  private touch(clientId: string, session: LiveSession): void {
    this.sessions.delete(clientId);
    this.sessions.set(clientId, session);
  }

  private evictOldest(): void {
    const oldest = this.sessions.entries().next();
    if (oldest.done) return;
    const [clientId, session] = oldest.value;
    this.sessions.delete(clientId);
    this.resultBytes -= session.resultBytes;
    if (this.maxEvicted === 0) return;
    if (this.evicted.size >= this.maxEvicted) {
      const forgotten = this.evicted.keys().next();
      if (!forgotten.done) this.evicted.delete(forgotten.value);
    }
    this.evicted.set(clientId, session.lastSequence);
  }

  /** Drops results that fell below the window, oldest first (results arrive mostly in order). */
  private prune(session: LiveSession): void {
    const floor = session.lastSequence - this.window;
    for (const [sequence, result] of session.results) {
      if (sequence > floor) break;
      session.results.delete(sequence);
      this.charge(session, -resultCharge(result));
    }
  }
}
