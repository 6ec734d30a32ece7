/**
 * Commands and results of the key-value state machine, as plain data. Keys and values are bytes
 * (binary safe). Every proposal and every query is a list of items, so a client pipeline becomes
 * one log entry (writes) or one read (queries) and gets one result per item back, in order.
 */

export type Bytes = Uint8Array;

/** Commands that change state: they go through the log and apply(). */
export type KvWrite =
  /** Redis SET: `condition` nx = only if absent, xx = only if present; returnOld = the GET option. */
  | { type: 'set'; key: Bytes; value: Bytes; condition: 'always' | 'nx' | 'xx'; returnOld: boolean }
  | { type: 'del'; keys: Bytes[] }
  | { type: 'append'; key: Bytes; value: Bytes }
  /** INCR, INCRBY, DECR and DECRBY: the value must hold a 64-bit decimal integer. */
  | { type: 'incrby'; key: Bytes; delta: bigint }
  /** Sets `value` only if the current value equals `expected` (null: only if the key is absent). */
  | { type: 'cas'; key: Bytes; expected: Bytes | null; value: Bytes }
  | { type: 'mset'; entries: Array<{ key: Bytes; value: Bytes }> };

/** Read-only commands: served by query() after ReadIndex, or inside a proposal to keep order. */
export type KvRead =
  | { type: 'get'; key: Bytes }
  | { type: 'exists'; keys: Bytes[] }
  | { type: 'mget'; keys: Bytes[] }
  /** Redis glob pattern; keys come back in byte order. */
  | { type: 'keys'; pattern: Bytes }
  /** Stable paging: cursor 0 starts, a returned cursor 0 means done. */
  | { type: 'scan'; cursor: number; match: Bytes | null; count: number }
  | { type: 'dbsize' }
  | { type: 'strlen'; key: Bytes };

export type KvCommand = KvWrite | KvRead;

const WRITE_TYPES: ReadonlySet<KvCommand['type']> = new Set(['set', 'del', 'append', 'incrby', 'cas', 'mset']);

export function isWrite(command: KvCommand): command is KvWrite {
  return WRITE_TYPES.has(command.type);
}

/**
 * Exactly-once tag of a write: the client's session id and a sequence number that increases with
 * each new write (a retry reuses it). The state machine returns a retried write's first result.
 */
export interface SessionTag {
  clientId: string;
  sequence: number;
}

export interface KvItem {
  session: SessionTag | null;
  command: KvCommand;
}

export type KvResult =
  | { type: 'ok' }
  | { type: 'null' }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: Bytes }
  /** MGET: one entry per key, null when absent. */
  | { type: 'values'; values: Array<Bytes | null> }
  /** KEYS. */
  | { type: 'keys'; keys: Bytes[] }
  | { type: 'scan'; cursor: number; keys: Bytes[] }
  /** CAS: whether the value was replaced, and the value now stored (null when absent). */
  | { type: 'cas'; swapped: boolean; current: Bytes | null }
  /** A command error, its text in Redis form with the code first ("ERR ...", "SESSIONEXPIRED ..."). */
  | { type: 'error'; message: string }
  /**
   * Only in query() answers, last: the reads before it were answered, the rest not run, since
   * their results would have passed QUERY_RESULT_BYTES_MAX. The caller asks again for the rest.
   */
  | { type: 'deferred' };

/** Redis' error texts, reused verbatim so clients recognise them. */
export const KV_ERRORS = {
  notInteger: 'ERR value is not an integer or out of range',
  overflow: 'ERR increment or decrement would overflow',
  malformed: 'ERR malformed command',
  readOnlyQuery: 'ERR write command sent as a query',
} as const;
