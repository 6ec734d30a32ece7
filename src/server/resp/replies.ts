/** Turns key-value results and node errors into RESP replies. */
import type { KvResult } from '../../kv/commands.js';
import { resp, type RespValue } from '../../lib/resp/resp_types.js';
import type { NodeError } from '../../node/types.js';
import type { KvBackend } from './backend.js';

export function renderResult(result: KvResult): RespValue {
  switch (result.type) {
    case 'ok':
      return resp.ok();
    case 'null':
      return resp.null();
    case 'integer':
      return resp.integer(Number.isSafeInteger(Number(result.value)) ? Number(result.value) : result.value);
    case 'bulk':
      return resp.bulk(result.value);
    case 'values':
      return resp.array(result.values.map((value) => (value === null ? resp.null() : resp.bulk(value))));
    case 'keys':
      return resp.array(result.keys.map((key) => resp.bulk(key)));
    case 'scan':
      return resp.array([resp.bulk(String(result.cursor)), resp.array(result.keys.map((key) => resp.bulk(key)))]);
    case 'cas':
      return resp.array([resp.integer(result.swapped ? 1 : 0), result.current === null ? resp.null() : resp.bulk(result.current)]);
    case 'error':
      return resp.error(result.message);
    case 'deferred': // the connection asks again for deferred reads; never a reply
      return resp.error('ERR internal error: a deferred read was answered');
  }
}

/** The reply for a request the node could not serve; see dispatch.ts for the forms. */
export function renderNodeError(error: NodeError, backend: KvBackend): RespValue {
  switch (error.type) {
    case 'not-leader': {
      const address = error.leaderHint === 0 ? null : backend.clientAddressOf(error.leaderHint);
      return resp.error(`NOTLEADER leader=${error.leaderHint} addr=${address ?? ''}`);
    }
    case 'proposal-dropped':
      return resp.error(`TRYAGAIN request dropped: ${error.reason}`);
    case 'too-large':
      return resp.error(tooLargeMessage(error.bytes, error.limitBytes));
    case 'timeout':
      return resp.error('TIMEOUT request timed out; a write may or may not have been applied: read before retrying it, or (in a CLIENT SESSION) retry it with the same SEQ');
    case 'stopped':
      return resp.error('UNAVAILABLE node is stopping');
  }
}

/** What a too-large refusal says, on RESP (tooLargeMessage) and HTTP alike. */
export function tooLargeText(bytes: number, limitBytes: number): string {
  return `the request's log entry would be ${bytes} bytes; one entry carries at most ${limitBytes}`;
}

/** -TOOLARGE: not retryable. */
export function tooLargeMessage(bytes: number, limitBytes: number): string {
  return `TOOLARGE ${tooLargeText(bytes, limitBytes)}: split the write`;
}

/** -TOOLARGE for a request refused as it was read: one argument alone is past what an entry carries. */
export function tooLargeArgumentMessage(argumentBytes: number, limitBytes: number): string {
  return `TOOLARGE an argument of ${argumentBytes} bytes is more than one log entry carries (${limitBytes} bytes): split the write`;
}

/** The two numbers back from tooLargeMessage's or tooLargeArgumentMessage's text after its code; null for any other text. */
export function parseTooLarge(text: string): { bytes: number; limitBytes: number } | null {
  const match =
    /^the request's log entry would be (\d+) bytes; one entry carries at most (\d+)/.exec(text) ??
    /^an argument of (\d+) bytes is more than one log entry carries \((\d+) bytes\)/.exec(text);
  return match === null ? null : { bytes: Number(match[1]), limitBytes: Number(match[2]) };
}
