/**
 * The HTTP/JSON API of a node, without sockets (http_server.ts feeds it):
 *
 *   GET    /v1/kv/{key}            200 {"key","value","encoding","index"} | 404 {"error","key","encoding"}
 *   PUT    /v1/kv/{key}            body {"value": "..."} -> 200 {"ok": true, "index"}
 *   DELETE /v1/kv/{key}            200 {"deleted": 0|1, "index"}
 *   POST   /v1/kv/{key}/cas        body {"expected": "..."|null, "value": "..."} -> 200 {"swapped", "value", "encoding"}
 *                                  (expected null: only when the key is absent; "value" is what is stored now)
 *   GET    /v1/kv?prefix=&limit=&cursor=   200 {"items": [{"key","value","encoding"}], "cursor": "..."|null}
 *                                  (a page may hold fewer than `limit` items: follow `cursor` until null)
 *   GET    /v1/cluster             this node's view: role, term, leader, indexes, members, addresses
 *   GET    /health                 200 when a leader is known and everything known committed is
 *                                  applied here; 503 otherwise (with the reason)
 *
 * Keys: everything after `/v1/kv/` (up to `/cas` for POST), percent-decoded to raw bytes, so any
 * byte string is a key (`%00`, `%FF`) and `../../etc/passwd` is an ordinary key: nothing here
 * touches a file system. Keys and values in JSON bodies are strings, UTF-8 text by default;
 * `?encoding=base64` makes all of them base64 (`value` and `expected` in requests, `key` and
 * `value` in answers), for binary data. An answer object whose key or value is not valid UTF-8 is
 * sent in base64 even when text was asked for: its `encoding` field says which (shown_bytes.ts).
 * Reads are linearizable unless `?consistency=stale`. Followers forward to the leader (the backend
 * does it); with no leader known the answer is 503 with Retry-After. Errors are JSON
 * {"error": "..."} with a 4xx for bad requests.
 */
import type { KvResult } from '../../kv/commands.js';
import type { NodeStatus, ReadConsistency } from '../../node/types.js';
import type { KvBackend } from '../resp/backend.js';
import { decodeText, json, parseQuery, percentDecode, problem, type HttpResponse, type ValueEncoding } from './http_codec.js';
import { readMany, writeOne } from './kv_ops.js';
import { listItems } from './list_items.js';
import { shownFields } from './shown_bytes.js';

export interface HttpRequestData {
  method: string;
  /** Path and query as sent, e.g. `/v1/kv/a%2Fb?consistency=stale`. */
  url: string;
  body: Uint8Array;
}

export interface HttpContext {
  backend: KvBackend;
  /** Full status of this node (membership, last index) when the runtime provides it. */
  status?: () => NodeStatus;
}

interface Parsed {
  path: string;
  params: Map<string, Uint8Array>;
  encoding: ValueEncoding;
  consistency: ReadConsistency;
}

const KV_PREFIX = '/v1/kv/';

export async function handleHttp(request: HttpRequestData, context: HttpContext): Promise<HttpResponse> {
  const queryAt = request.url.indexOf('?');
  const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const params = parseQuery(queryAt === -1 ? '' : request.url.slice(queryAt + 1));
  if (params === null) return problem(400, 'bad percent-encoding in the query string');
  const encodingParam = param(params, 'encoding') ?? 'utf8';
  if (encodingParam !== 'utf8' && encodingParam !== 'base64') return problem(400, `encoding must be utf8 or base64, not '${encodingParam}'`);
  const consistencyParam = param(params, 'consistency') ?? 'linearizable';
  if (consistencyParam !== 'linearizable' && consistencyParam !== 'stale') {
    return problem(400, `consistency must be linearizable or stale, not '${consistencyParam}'`);
  }
  const parsed: Parsed = { path, params, encoding: encodingParam, consistency: consistencyParam };
  const method = request.method.toUpperCase();
  if (path === '/health') return only(method, ['GET'], () => health(context));
  if (path === '/v1/cluster') return only(method, ['GET'], () => cluster(context));
  if (path === '/v1/kv') return only(method, ['GET'], () => list(context, parsed));
  // `/v1/kv/` lists too; any other method there wants a key and has none, which keyRoute says.
  if (path === KV_PREFIX && method === 'GET') return list(context, parsed);
  if (path.startsWith(KV_PREFIX)) return keyRoute(method, request.body, context, parsed);
  return problem(404, `no such endpoint: ${request.method} ${path.slice(0, 200)}`);
}

function param(params: Map<string, Uint8Array>, name: string): string | undefined {
  const value = params.get(name);
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

async function only(method: string, allowed: string[], run: () => Promise<HttpResponse> | HttpResponse): Promise<HttpResponse> {
  if (!allowed.includes(method)) return problem(405, `method ${method} not allowed here`, {}, { allow: allowed.join(', ') });
  return run();
}

async function keyRoute(method: string, body: Uint8Array, context: HttpContext, parsed: Parsed): Promise<HttpResponse> {
  const isCas = method === 'POST' && parsed.path.endsWith('/cas');
  const rawKey = parsed.path.slice(KV_PREFIX.length, isCas ? -'/cas'.length : undefined);
  const key = percentDecode(rawKey);
  if (key === null) return problem(400, 'bad percent-encoding in the key');
  if (key.length === 0) return problem(400, 'the key is empty: use /v1/kv/{key}');
  if (isCas) return cas(key, body, context, parsed);
  switch (method) {
    case 'GET':
      return get(key, context, parsed);
    case 'PUT':
      return put(key, body, context, parsed);
    case 'DELETE': {
      const outcome = await writeOne(context.backend, { type: 'del', keys: [key] });
      if (!outcome.ok) return outcome.response;
      return json(200, { deleted: integerOf(outcome.results[0]), index: outcome.index });
    }
    default:
      return problem(405, `method ${method} not allowed on a key`, {}, { allow: 'GET, PUT, DELETE, POST' });
  }
}

async function get(key: Uint8Array, context: HttpContext, parsed: Parsed): Promise<HttpResponse> {
  const outcome = await readMany(context.backend, [{ type: 'get', key }], parsed.consistency);
  if (!outcome.ok) return outcome.response;
  const result = outcome.results[0];
  if (result?.type !== 'bulk') return problem(404, 'key not found', shownFields({ key }, parsed.encoding));
  return json(200, { ...shownFields({ key, value: result.value }, parsed.encoding), index: outcome.index });
}

async function put(key: Uint8Array, body: Uint8Array, context: HttpContext, parsed: Parsed): Promise<HttpResponse> {
  const fields = jsonBody(body);
  if (!fields.ok) return fields.response;
  const value = bytesField(fields.value, 'value', parsed.encoding, false);
  if (!value.ok) return value.response;
  if (value.bytes === null) return problem(400, 'the body needs "value"');
  const outcome = await writeOne(context.backend, { type: 'set', key, value: value.bytes, condition: 'always', returnOld: false });
  if (!outcome.ok) return outcome.response;
  return json(200, { ok: true, index: outcome.index });
}

async function cas(key: Uint8Array, body: Uint8Array, context: HttpContext, parsed: Parsed): Promise<HttpResponse> {
  const fields = jsonBody(body);
  if (!fields.ok) return fields.response;
  if (!('expected' in fields.value)) return problem(400, 'the body needs "expected" (a string, or null for "only if absent")');
  const expected = bytesField(fields.value, 'expected', parsed.encoding, true);
  if (!expected.ok) return expected.response;
  const value = bytesField(fields.value, 'value', parsed.encoding, false);
  if (!value.ok) return value.response;
  if (value.bytes === null) return problem(400, 'the body needs "value"');
  const outcome = await writeOne(context.backend, { type: 'cas', key, expected: expected.bytes, value: value.bytes });
  if (!outcome.ok) return outcome.response;
  const result = outcome.results[0];
  if (result?.type !== 'cas') return problem(500, 'unexpected result of a compare-and-set');
  return json(200, { swapped: result.swapped, ...shownFields({ value: result.current }, parsed.encoding), index: outcome.index });
}

async function list(context: HttpContext, parsed: Parsed): Promise<HttpResponse> {
  return listItems(context.backend, parsed.params, parsed.encoding, parsed.consistency);
}

function health(context: HttpContext): HttpResponse {
  const info = context.backend.info();
  const view = { node: info.nodeId, role: info.role, leader: info.leaderId === 0 ? null : info.leaderId, term: info.term, commitIndex: info.commitIndex, appliedIndex: info.appliedIndex };
  if (info.leaderId === 0) return json(503, { status: 'unavailable', reason: 'no leader is known', ...view });
  if (info.appliedIndex < info.commitIndex) return json(503, { status: 'catching-up', reason: 'committed entries are not applied yet', ...view });
  return json(200, { status: 'ok', ...view });
}

function cluster(context: HttpContext): HttpResponse {
  const info = context.backend.info();
  const status = context.status?.();
  const leader = info.leaderId === 0 ? null : info.leaderId;
  const voters = status?.membership.voters ?? [info.nodeId];
  const learners = status?.membership.learners ?? [];
  // A node knows its own role; of the others it only knows who leads.
  const roleOf = (id: number): string => (id === info.nodeId ? info.role : id === leader ? 'leader' : leader === null ? 'unknown' : 'follower');
  const members = [
    ...voters.map((id) => ({ id, voter: true, role: roleOf(id), redis: context.backend.clientAddressOf(id) })),
    ...learners.map((id) => ({ id, voter: false, role: id === info.nodeId ? info.role : 'learner', redis: context.backend.clientAddressOf(id) })),
  ];
  return json(200, {
    node: info.nodeId,
    role: info.role,
    term: info.term,
    leader,
    leaderRedis: leader === null ? null : context.backend.clientAddressOf(leader),
    commitIndex: info.commitIndex,
    appliedIndex: info.appliedIndex,
    lastIndex: status?.lastIndex ?? null,
    snapshotIndex: status?.snapshotIndex ?? null,
    members,
  });
}

type JsonFields = { ok: true; value: Record<string, unknown> } | { ok: false; response: HttpResponse };

function jsonBody(body: Uint8Array): JsonFields {
  if (body.length === 0) return { ok: false, response: problem(400, 'the body is empty: send a JSON object such as {"value": "..."}') };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return { ok: false, response: problem(400, `invalid JSON body: ${error instanceof Error ? error.message : String(error)}`) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, response: problem(400, 'the body must be a JSON object such as {"value": "..."}') };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

type BytesField = { ok: true; bytes: Uint8Array | null } | { ok: false; response: HttpResponse };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function bytesField(fields: Record<string, unknown>, name: string, encoding: ValueEncoding, nullable: boolean): BytesField {
  const value = fields[name];
  if (value === undefined || (value === null && nullable)) return { ok: true, bytes: null };
  if (typeof value !== 'string') return { ok: false, response: problem(400, `"${name}" must be a string${nullable ? ' or null' : ''}`) };
  // JSON lets a string hold half a surrogate pair (\ud800); UTF-8 cannot, and would store U+FFFD instead.
  if (encoding === 'utf8' && LONE_SURROGATE.test(value)) {
    return { ok: false, response: problem(400, `"${name}" holds a lone UTF-16 surrogate, which is not text: send such bytes in base64 (?encoding=base64)`) };
  }
  const bytes = decodeText(value, encoding);
  if (bytes === null) return { ok: false, response: problem(400, `"${name}" is not valid base64`) };
  return { ok: true, bytes };
}

function integerOf(result: KvResult | undefined): bigint | null {
  return result?.type === 'integer' ? result.value : null;
}
