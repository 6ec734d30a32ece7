/**
 * Typed errors of the TypeScript client. Every call settles with a value or one of these, so a
 * caller can tell "the store said no" (KvCommandError) from "we do not know what happened"
 * (KvTimeoutError on a write: it may or may not have been applied).
 */

export class KvError extends Error {
  override name = 'KvError';
}

/** The call did not complete before its deadline. A write may still have been applied once. */
export class KvTimeoutError extends KvError {
  override name = 'KvTimeoutError';
  readonly command: string;
  readonly timeoutMs: number;
  /** The last failure seen while retrying, for diagnosis (e.g. "connection refused", "no leader"). */
  readonly lastFailure: string | null;

  constructor(command: string, timeoutMs: number, lastFailure: string | null) {
    super(
      `${command} did not complete within ${timeoutMs} ms` + (lastFailure === null ? '' : ` (last failure: ${lastFailure})`),
    );
    this.command = command;
    this.timeoutMs = timeoutMs;
    this.lastFailure = lastFailure;
  }
}

/** The server refused the command itself (wrong type, not an integer, bad arguments). Not retried. */
export class KvCommandError extends KvError {
  override name = 'KvCommandError';
  /** The Redis error code, the first word of the reply: "ERR", "WRONGTYPE"... */
  readonly code: string;

  constructor(message: string) {
    super(message);
    this.code = errorCode(message);
  }
}

/**
 * The server no longer knows this client's session (evicted, or the retry fell below its window):
 * it cannot tell whether the write was applied. The client opens a new session for later writes.
 */
export class KvSessionExpiredError extends KvError {
  override name = 'KvSessionExpiredError';
}

/** The client was closed before or while the call ran. */
export class KvClosedError extends KvError {
  override name = 'KvClosedError';
}

/** Bad arguments to a client method or a bad node address; thrown before anything is sent. */
export class KvArgumentError extends KvError {
  override name = 'KvArgumentError';
}

/** The server sent bytes that are not RESP, or a reply of a shape the command cannot have. */
export class KvProtocolError extends KvError {
  override name = 'KvProtocolError';
}

/** Internal: a connection failed (refused, reset, closed) before the reply arrived. Retried. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

export function errorCode(message: string): string {
  const space = message.indexOf(' ');
  return space === -1 ? message : message.slice(0, space);
}
