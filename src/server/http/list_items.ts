/**
 * GET /v1/kv?prefix=&limit=&cursor=: prefix listing over the state machine's stable SCAN (every
 * key present for the whole listing is returned once, whatever else changes), then the values of
 * the page's keys in one more read. Keys a concurrent DELETE removed in between are left out.
 */
import type { KvResult } from '../../kv/commands.js';
import type { ReadConsistency } from '../../node/types.js';
import type { KvBackend } from '../resp/backend.js';
import { json, problem, type HttpResponse, type ValueEncoding } from './http_codec.js';
import { readMany } from './kv_ops.js';
import { shownFields, type ShownFields } from './shown_bytes.js';

export const HTTP_LIST_LIMIT_DEFAULT = 100;
export const HTTP_LIST_LIMIT_MAX = 1_000;
/** SCAN rounds per page: a rare prefix may take several to fill a page; then the page is cut short. */
export const HTTP_LIST_ROUNDS_MAX = 8;

const GLOB_SPECIAL = new Set([0x2a, 0x3f, 0x5b, 0x5d, 0x5c]); // * ? [ ] \

/** `prefix*` as a Redis glob, with the prefix's own glob characters escaped. */
export function prefixPattern(prefix: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const byte of prefix) {
    if (GLOB_SPECIAL.has(byte)) out.push(0x5c);
    out.push(byte);
  }
  out.push(0x2a);
  return Uint8Array.from(out);
}

function integerParam(params: Map<string, Uint8Array>, name: string, fallback: number): number | null {
  const raw = params.get(name);
  if (raw === undefined) return fallback;
  const text = new TextDecoder().decode(raw);
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

export async function listItems(
  backend: KvBackend,
  params: Map<string, Uint8Array>,
  encoding: ValueEncoding,
  consistency: ReadConsistency,
): Promise<HttpResponse> {
  const limit = integerParam(params, 'limit', HTTP_LIST_LIMIT_DEFAULT);
  if (limit === null || limit < 1 || limit > HTTP_LIST_LIMIT_MAX) return problem(400, `limit must be an integer from 1 to ${HTTP_LIST_LIMIT_MAX}`);
  let cursor = integerParam(params, 'cursor', 0);
  if (cursor === null) return problem(400, 'cursor must be a value returned by an earlier page');
  const match = prefixPattern(params.get('prefix') ?? new Uint8Array());
  const keys: Uint8Array[] = [];
  for (let round = 0; round < HTTP_LIST_ROUNDS_MAX && keys.length < limit; round++) {
    const outcome = await readMany(backend, [{ type: 'scan', cursor, match, count: limit - keys.length }], consistency);
    if (!outcome.ok) return outcome.response;
    const page = outcome.results[0];
    if (page?.type !== 'scan') return problem(500, 'unexpected result of a scan');
    keys.push(...page.keys);
    cursor = page.cursor;
    if (cursor === 0) break;
  }
  const values = keys.length === 0 ? [] : await valuesOf(backend, keys, consistency);
  if (!Array.isArray(values)) return values;
  const items: Array<ShownFields<'key' | 'value'>> = [];
  keys.forEach((key, i) => {
    const value = values[i];
    if (value !== null && value !== undefined) items.push(shownFields({ key, value }, encoding));
  });
  return json(200, { items, cursor: cursor === 0 ? null : String(cursor) });
}

async function valuesOf(backend: KvBackend, keys: Uint8Array[], consistency: ReadConsistency): Promise<Array<Uint8Array | null> | HttpResponse> {
  const outcome = await readMany(backend, [{ type: 'mget', keys }], consistency);
  if (!outcome.ok) return outcome.response;
  const result: KvResult | undefined = outcome.results[0];
  return result?.type === 'values' ? result.values : problem(500, 'unexpected result of a multi-get');
}
