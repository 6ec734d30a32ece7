/** The leader's side of KVSIM.FORWARD (see src/server/forward/forward_protocol.ts). */
import { decodeQuery, encodeResults, malformedResult } from '../../kv/command_codec.js';
import { resp, type RespValue } from '../../lib/resp/resp_types.js';
import { forwardSuccessReply, parseForward } from '../forward/forward_protocol.js';
import { leaderWrite } from '../forward/forwarding_backend.js';
import type { KvBackend } from './backend.js';
import { renderNodeError } from './replies.js';

/** Runs one forwarded request here, never forwarding it again; errors in the redirect form. */
export async function runForwarded(args: Uint8Array[], backend: KvBackend): Promise<RespValue> {
  const parsed = parseForward(args);
  if (!parsed.ok) return resp.error(parsed.error);
  try {
    if (parsed.kind === 'write') {
      // The payload may be a view into a socket read chunk: a log entry must not pin that chunk.
      const outcome = await leaderWrite(backend, parsed.payload.slice());
      return outcome.ok ? forwardSuccessReply(outcome.index, outcome.result) : renderNodeError(outcome.error, backend);
    }
    const query = decodeQuery(parsed.payload);
    // Answered as the state machine answers bad bytes: an error result, not a retryable refusal.
    if (!query.ok) return forwardSuccessReply(backend.info().appliedIndex, encodeResults([malformedResult(query.message)]));
    const outcome = await backend.read(query.value, 'linearizable', { forward: false });
    return outcome.ok ? forwardSuccessReply(outcome.index, encodeResults(outcome.results)) : renderNodeError(outcome.error, backend);
  } catch (error) {
    return resp.error(`ERR internal error: ${error instanceof Error ? error.message : String(error)}`);
  }
}
