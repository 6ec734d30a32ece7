/**
 * What one answer weighs, for the bounds on a query's answers (QUERY_RESULT_BYTES_MAX) and on one
 * command's (ANSWER_BYTES_MAX): the bytes of its values, keys and text; fixed-size answers count a
 * few bytes each.
 */
import type { KvResult } from './commands.js';

/**
 * One read command's answer may weigh this much: twice the largest value a write can store (one
 * log entry, 64 MiB), so a GET or a small MGET of the largest values is answered. Past it the
 * command gets an error instead: an MGET naming a 60 MiB key 200 times asked for 12 GB, and the
 * leader spent its memory and its event loop building the answer (forwarded reads stopped, status
 * went unanswered) before it could fail.
 */
export const ANSWER_BYTES_MAX = 128 * 1024 * 1024;

const ANSWER_TOO_LARGE_PREFIX = 'ERR the answer would be ';

export function answerTooLarge(bytes: number): KvResult {
  return {
    type: 'error',
    message: `${ANSWER_TOO_LARGE_PREFIX}${bytes} bytes, over the limit of ${ANSWER_BYTES_MAX} for one command: ask for fewer keys at a time`,
  };
}

/** A read refused because the reads of its proposal (a pipeline with writes) would together pass ANSWER_BYTES_MAX. */
export function proposalAnswersTooLarge(bytes: number): KvResult {
  return {
    type: 'error',
    message: `ERR the answers of the reads sent with these writes would be ${bytes} bytes, over the limit of ${ANSWER_BYTES_MAX}: send fewer big reads at a time`,
  };
}

/** Whether a result is answerTooLarge's refusal (the client asked too much: not a server failure). */
export function isAnswerTooLarge(result: KvResult): boolean {
  return result.type === 'error' && result.message.startsWith(ANSWER_TOO_LARGE_PREFIX);
}

const FIXED_RESULT_BYTES = 8;

export function resultBytes(result: KvResult): number {
  switch (result.type) {
    case 'bulk':
      return result.value.length;
    case 'values':
      return result.values.reduce((sum, value) => sum + FIXED_RESULT_BYTES + (value?.length ?? 0), 0);
    case 'keys':
    case 'scan':
      return result.keys.reduce((sum, key) => sum + FIXED_RESULT_BYTES + key.length, 0);
    case 'cas':
      return FIXED_RESULT_BYTES + (result.current?.length ?? 0);
    case 'error':
      return result.message.length;
    case 'ok':
    case 'null':
    case 'integer':
    case 'deferred':
      return FIXED_RESULT_BYTES;
  }
}
