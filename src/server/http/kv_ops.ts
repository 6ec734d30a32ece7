/**
 * Key-value operations for the HTTP API over a KvBackend: one command per call, results decoded,
 * node errors turned into HTTP answers (503 retry / 504 unknown outcome).
 */
import { decodeResults, encodeProposal } from '../../kv/command_codec.js';
import type { KvRead, KvResult, KvWrite } from '../../kv/commands.js';
import { isAnswerTooLarge } from '../../kv/result_bytes.js';
import type { NodeError, ReadConsistency } from '../../node/types.js';
import type { KvBackend } from '../resp/backend.js';
import { tooLargeText } from '../resp/replies.js';
import { problem, type HttpResponse } from './http_codec.js';

export type OpOutcome = { ok: true; index: number; results: KvResult[] } | { ok: false; response: HttpResponse };

export async function writeOne(backend: KvBackend, command: KvWrite): Promise<OpOutcome> {
  const outcome = await backend.write(encodeProposal([{ session: null, command }]));
  return outcome.ok ? decoded(outcome.index, outcome.result) : { ok: false, response: nodeErrorResponse(outcome.error, backend) };
}

export async function readMany(backend: KvBackend, commands: KvRead[], consistency: ReadConsistency): Promise<OpOutcome> {
  const outcome = await backend.read(commands, consistency);
  return outcome.ok ? answered(outcome.index, outcome.results) : { ok: false, response: nodeErrorResponse(outcome.error, backend) };
}

function decoded(index: number, bytes: Uint8Array): OpOutcome {
  const results = decodeResults(bytes);
  return results.ok ? answered(index, results.value) : { ok: false, response: problem(500, `undecodable result: ${results.message}`) };
}

function answered(index: number, results: KvResult[]): OpOutcome {
  const failed = results.find((result) => result.type === 'error');
  if (failed !== undefined && failed.type === 'error') return { ok: false, response: problem(isAnswerTooLarge(failed) ? 400 : 500, failed.message) };
  return { ok: true, index, results };
}

/** A node error as an HTTP answer; 503s say when to retry, and where the leader is when known. */
export function nodeErrorResponse(error: NodeError, backend: KvBackend): HttpResponse {
  const retry = { 'retry-after': '1' };
  switch (error.type) {
    case 'not-leader': {
      const leader = error.leaderHint === 0 ? null : error.leaderHint;
      const address = leader === null ? null : backend.clientAddressOf(leader);
      return problem(503, 'this node is not the leader', { leader, address }, retry);
    }
    case 'proposal-dropped':
      return problem(503, `request dropped: ${error.reason}`, { retryable: true }, retry);
    case 'too-large':
      return problem(413, tooLargeText(error.bytes, error.limitBytes), { retryable: false });
    case 'timeout':
      return problem(504, 'timed out: a write may or may not have been applied; read before retrying', { retryable: true });
    case 'stopped':
      return problem(503, 'the node is stopping', { retryable: true }, retry);
  }
}
