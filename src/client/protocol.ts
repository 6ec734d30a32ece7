/**
 * The kv-sim extensions of RESP the client relies on, in one place (defined by the server's
 * dispatch in src/server/resp):
 *
 * - exactly-once writes: `CLIENT SESSION <id>` once per connection, then each write is sent as
 *   `SEQ <n> <command ...>`; a retried write reuses its n and gets the first result back;
 * - not-leader replies: `-NOTLEADER leader=<id> addr=<host:port>` (addr empty, leader 0 when the
 *   node knows no leader); also accepted: Redis Cluster's `-MOVED <slot> <host:port>`;
 * - retryable refusals: `-TRYAGAIN ...` (proposal dropped), `-TIMEOUT ...` (the node gave up; a
 *   write may or may not be applied), `-UNAVAILABLE ...` (node stopping), `-CLUSTERDOWN`, `-LOADING`;
 * - `-SESSIONEXPIRED ...`: the session or this sequence is no longer known;
 * - `-TOOLARGE ...`: the write would not fit one log entry; it was not applied, and retrying cannot help;
 * - `CLIENT REDIRECT on`: followers answer not-leader instead of forwarding to the leader;
 * - read consistency is a connection mode: `READONLY` makes later reads stale (served from the
 *   node's own state), `READWRITE` (the default) linearizable.
 *
 * The leader is found from not-leader hints alone: every node answers with the leader's address,
 * so INFO (role, leader_id, leader_addr) is not needed on the request path.
 */
import { errorCode } from './errors.js';

export function sessionCommand(sessionId: string): string[] {
  return ['CLIENT', 'SESSION', sessionId];
}

/** Followers answer -NOTLEADER with the leader's address instead of forwarding (server default). */
export function redirectCommand(): string[] {
  return ['CLIENT', 'REDIRECT', 'on'];
}

export function readOnlyCommand(): string[] {
  return ['READONLY'];
}

export function sequencedCommand(sequence: number, args: ReadonlyArray<string | Uint8Array>): Array<string | Uint8Array> {
  return ['SEQ', String(sequence), ...args];
}

/** How the client reacts to an error reply. */
export type ErrorKind =
  /** Go to the leader named in the hint (or look for one when the hint is empty). */
  | { kind: 'not-leader'; leaderId: number | null; address: string | null }
  /** The node could not serve it now: retry (a write with the same sequence). */
  | { kind: 'retry' }
  | { kind: 'session-expired' }
  /** The command itself was refused: report it to the caller. */
  | { kind: 'command' };

const RETRYABLE_CODES: ReadonlySet<string> = new Set(['TRYAGAIN', 'TIMEOUT', 'UNAVAILABLE', 'CLUSTERDOWN', 'LOADING']);

export function classifyError(message: string): ErrorKind {
  const code = errorCode(message);
  if (code === 'NOTLEADER') return parseNotLeader(message);
  if (code === 'MOVED') {
    const address = message.split(' ')[2];
    return { kind: 'not-leader', leaderId: null, address: address === undefined || address === '' ? null : address };
  }
  if (code === 'SESSIONEXPIRED') return { kind: 'session-expired' };
  if (RETRYABLE_CODES.has(code)) return { kind: 'retry' };
  return { kind: 'command' };
}

function parseNotLeader(message: string): ErrorKind {
  const fields = parseFields(message.split(' ').slice(1));
  const leader = Number(fields.get('leader'));
  const address = fields.get('addr');
  return {
    kind: 'not-leader',
    leaderId: Number.isSafeInteger(leader) && leader > 0 ? leader : null,
    address: address === undefined || address === '' ? null : address,
  };
}

function parseFields(words: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq > 0) fields.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return fields;
}
