/**
 * The node-to-node request a follower sends to the leader's client port when it forwards:
 *
 *   KVSIM.FORWARD WRITE <proposal bytes>    ->  *2 :<log index> $<encoded results>
 *   KVSIM.FORWARD READ <query bytes>        ->  *2 :<read index> $<encoded results>
 *   (either)                                ->  -NOTLEADER / -TRYAGAIN / -TIMEOUT / -UNAVAILABLE ...
 *
 * The payloads are the key-value codec's bytes, exactly what the follower's own backend call would
 * have carried: session tags (exactly-once) and whole pipeline batches travel unchanged. The leader
 * runs it with forwarding off, so a request travels at most the hops its sender allows. Forwarded
 * reads are always linearizable (stale reads are answered where they arrive).
 *
 * It is an ordinary command on the client port: a client could send it too, but it can only do what
 * the data commands already let it do (a malformed payload gets an error result from the state
 * machine, like any bad command).
 */
import { fromUtf8, resp, type RespValue } from '../../lib/resp/resp_types.js';
import type { NodeError, ProposalOutcome } from '../../node/types.js';
import { parseTooLarge } from '../resp/replies.js';

export const FORWARD_COMMAND = 'kvsim.forward';

export type ForwardKind = 'write' | 'read';

export function forwardArgs(kind: ForwardKind, payload: Uint8Array): Array<string | Uint8Array> {
  return ['KVSIM.FORWARD', kind === 'write' ? 'WRITE' : 'READ', payload];
}

export type ParsedForward = { ok: true; kind: ForwardKind; payload: Uint8Array } | { ok: false; error: string };

export function parseForward(args: readonly Uint8Array[]): ParsedForward {
  const kindArg = args[1];
  const payload = args[2];
  if (args.length !== 3 || kindArg === undefined || payload === undefined) {
    return { ok: false, error: "ERR wrong number of arguments for 'kvsim.forward' command" };
  }
  const kind = fromUtf8(kindArg.subarray(0, 8)).toLowerCase();
  if (kind !== 'write' && kind !== 'read') return { ok: false, error: 'ERR KVSIM.FORWARD needs WRITE or READ' };
  return { ok: true, kind, payload };
}

/** The leader's reply to a forwarded request that succeeded. */
export function forwardSuccessReply(index: number, result: Uint8Array): RespValue {
  return resp.array([resp.integer(index), resp.bulk(result)]);
}

/** The follower's view of the leader's reply. `leaderId` names the node that answered. */
export function outcomeFromReply(reply: RespValue, leaderId: number, kind: ForwardKind): ProposalOutcome {
  if (reply.type === 'array' && reply.items.length === 2) {
    const [index, result] = reply.items;
    if (index?.type === 'integer' && result?.type === 'bulk') return { ok: true, index: Number(index.value), result: result.value };
  }
  const error: NodeError =
    reply.type === 'error'
      ? errorFromReply(reply.message, leaderId)
      : { type: 'proposal-dropped', reason: `leader ${leaderId} gave an unexpected reply to a forwarded request` };
  // Only NOTLEADER, TRYAGAIN and TOOLARGE promise that a write was not applied; after any other
  // answer (the leader stopping with the write in its log, an internal error) its outcome is unknown.
  const definitelyNotApplied =
    error.type === 'not-leader' || error.type === 'too-large' || (error.type === 'proposal-dropped' && reply.type === 'error' && reply.message.startsWith('TRYAGAIN'));
  if (kind === 'write' && !definitelyNotApplied) return { ok: false, error: { type: 'timeout' } };
  return { ok: false, error };
}

/** Maps the leader's error reply (rendered by renderNodeError) back to the error value. */
export function errorFromReply(message: string, leaderId: number): NodeError {
  const space = message.indexOf(' ');
  const code = space === -1 ? message : message.slice(0, space);
  const text = space === -1 ? '' : message.slice(space + 1);
  switch (code) {
    case 'NOTLEADER': {
      const match = /leader=(\d+)/.exec(text);
      const hint = match === null ? 0 : Number(match[1]);
      return { type: 'not-leader', leaderHint: Number.isSafeInteger(hint) ? hint : 0 };
    }
    case 'TIMEOUT':
      return { type: 'timeout' };
    case 'TRYAGAIN':
      return { type: 'proposal-dropped', reason: text.replace(/^request dropped: /, '') };
    case 'TOOLARGE': {
      const sizes = parseTooLarge(text);
      if (sizes !== null) return { type: 'too-large', ...sizes };
      return { type: 'proposal-dropped', reason: `leader ${leaderId} refused the forwarded request: ${message}` };
    }
    case 'UNAVAILABLE':
      return { type: 'proposal-dropped', reason: `leader ${leaderId} is stopping` };
    default:
      return { type: 'proposal-dropped', reason: `leader ${leaderId} refused the forwarded request: ${message}` };
  }
}
