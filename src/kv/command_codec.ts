/**
 * Binary encoding of proposals (apply input), queries (query input) and their results.
 *
 *   proposal: u8 version, u8 KIND_PROPOSAL, varint n, n × (session, command)
 *   group:    u8 version, u8 KIND_GROUP,    varint n, n × bytes(proposal)
 *   query:    u8 version, u8 KIND_QUERY,    varint n, n × command
 *   session:  u8 0 | u8 1, string clientId, varint sequence
 *   results:  u8 version, varint n, n × result
 *   group results: varint n, n × bytes(results)
 *
 * Each command and result starts with a one-byte tag. Decoding never throws: malformed input
 * comes back as an error value, because apply() must answer bad bytes the same way on every node.
 *
 * Decoded byte strings are views of the input (no copy per key), except the values a write
 * stores: the key space keeps those, so they are copies (value_copies.ts) that do not pin a whole
 * log entry.
 */
import { BinaryReader, BinaryWriter, CodecError } from './binary_codec.js';
import { KV_ERRORS, type Bytes, type KvCommand, type KvItem, type KvResult, type SessionTag } from './commands.js';
import { copyValue } from './value_copies.js';

export const KV_CODEC_VERSION = 1;
const KIND_PROPOSAL = 1;
const KIND_QUERY = 2;
const KIND_GROUP = 3;

const OP = {
  set: 1, del: 2, append: 3, incrby: 4, cas: 5, mset: 6,
  get: 16, exists: 17, mget: 18, keys: 19, scan: 20, dbsize: 21, strlen: 22,
} as const;
const CONDITIONS = ['always', 'nx', 'xx'] as const;

const RESULT = { ok: 1, null: 2, integer: 3, bulk: 4, values: 5, keys: 6, scan: 7, cas: 8, error: 9, deferred: 10 } as const;

/**
 * One writer reused by every encode call (they are synchronous and never nested): allocating a
 * buffer per command and per result was the main cost of apply() on small writes.
 */
const scratch = new BinaryWriter(4096);

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

/** The answer to bytes that do not decode as commands: one error result, for every item. */
export function malformedResult(message: string): KvResult {
  return { type: 'error', message: `${KV_ERRORS.malformed}: ${message}` };
}

export function encodeProposal(items: readonly KvItem[]): Uint8Array {
  const w = scratch.u8(KV_CODEC_VERSION).u8(KIND_PROPOSAL).varint(items.length);
  for (const item of items) {
    writeSession(w, item.session);
    writeCommand(w, item.command);
  }
  return w.finish();
}

/** Query items are commands, as decodeQuery returns them; whether they are reads is the state machine's check. */
export function encodeQuery(commands: readonly KvCommand[]): Uint8Array {
  const w = scratch.u8(KV_CODEC_VERSION).u8(KIND_QUERY).varint(commands.length);
  for (const command of commands) writeCommand(w, command);
  return w.finish();
}

export function decodeProposal(bytes: Uint8Array): Decoded<KvItem[]> {
  return decodeList(bytes, KIND_PROPOSAL, (r) => ({ session: readSession(r), command: readCommand(r) }));
}

/**
 * Several proposals in one log entry. The node driver packs every proposal that arrived between
 * two flushes (from any number of connections) into one entry, so per-entry costs — a log row on
 * every node, encoding, replication bookkeeping — are paid once per flush, not once per request.
 * Each packed proposal keeps its own session tags: exactly-once holds per proposal.
 */
export function encodeProposalGroup(proposals: readonly Uint8Array[]): Uint8Array {
  const w = scratch.u8(KV_CODEC_VERSION).u8(KIND_GROUP).varint(proposals.length);
  for (const proposal of proposals) w.bytes(proposal);
  return w.finish();
}

/** The proposals packed in a group entry; null when `bytes` is not a group. */
export function decodeProposalGroup(bytes: Uint8Array): Decoded<Uint8Array[]> | null {
  if (bytes.length < 2 || bytes[0] !== KV_CODEC_VERSION || bytes[1] !== KIND_GROUP) return null;
  return decodeList(bytes, KIND_GROUP, (r) => r.raw(r.varint()));
}

export function encodeGroupResults(parts: readonly Uint8Array[]): Uint8Array {
  const w = scratch.varint(parts.length);
  for (const part of parts) w.bytes(part);
  return w.finish();
}

/** Splits a group's results into one results message per packed proposal. */
export function splitGroupResults(bytes: Uint8Array, count: number): Decoded<Uint8Array[]> {
  try {
    const r = new BinaryReader(bytes);
    const parts: Uint8Array[] = [];
    for (let n = r.count(); parts.length < n; ) parts.push(r.bytesView());
    if (!r.done || parts.length !== count) return { ok: false, message: `a group of ${count} proposals answered with ${parts.length} results` };
    return { ok: true, value: parts };
  } catch (error) {
    if (error instanceof CodecError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Query items are commands; whether they are reads is the state machine's check. */
export function decodeQuery(bytes: Uint8Array): Decoded<KvCommand[]> {
  return decodeList(bytes, KIND_QUERY, readCommand);
}

function decodeList<T>(bytes: Uint8Array, kind: number, readItem: (r: BinaryReader) => T): Decoded<T[]> {
  try {
    const r = new BinaryReader(bytes);
    const version = r.u8();
    if (version !== KV_CODEC_VERSION) return { ok: false, message: `unsupported command version ${version}` };
    if (r.u8() !== kind) return { ok: false, message: kind === KIND_QUERY ? 'not a query' : 'not a proposal' };
    const count = r.count();
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(readItem(r));
    if (!r.done) return { ok: false, message: 'trailing bytes after commands' };
    return { ok: true, value: items };
  } catch (error) {
    if (error instanceof CodecError) return { ok: false, message: error.message };
    throw error;
  }
}

function writeSession(w: BinaryWriter, session: SessionTag | null): void {
  if (session === null) {
    w.u8(0);
    return;
  }
  w.u8(1).string(session.clientId).varint(session.sequence);
}

function readSession(r: BinaryReader): SessionTag | null {
  const present = r.u8();
  if (present === 0) return null;
  if (present !== 1) throw new CodecError('bad session flag');
  return { clientId: r.string(), sequence: r.varint() };
}

function writeKeys(w: BinaryWriter, keys: readonly Bytes[]): void {
  w.varint(keys.length);
  for (const key of keys) w.bytes(key);
}

function readKeys(r: BinaryReader): Bytes[] {
  const count = r.count();
  const keys: Bytes[] = [];
  for (let i = 0; i < count; i++) keys.push(r.bytesView());
  return keys;
}

function writeCommand(w: BinaryWriter, c: KvCommand): void {
  w.u8(OP[c.type]);
  switch (c.type) {
    case 'set':
      w.bytes(c.key).bytes(c.value).u8(CONDITIONS.indexOf(c.condition)).u8(c.returnOld ? 1 : 0);
      return;
    case 'append':
      w.bytes(c.key).bytes(c.value);
      return;
    case 'incrby':
      w.bytes(c.key).i64(c.delta);
      return;
    case 'cas':
      w.bytes(c.key).u8(c.expected === null ? 0 : 1);
      if (c.expected !== null) w.bytes(c.expected);
      w.bytes(c.value);
      return;
    case 'mset':
      w.varint(c.entries.length);
      for (const entry of c.entries) w.bytes(entry.key).bytes(entry.value);
      return;
    case 'del':
    case 'exists':
    case 'mget':
      writeKeys(w, c.keys);
      return;
    case 'get':
    case 'strlen':
      w.bytes(c.key);
      return;
    case 'keys':
      w.bytes(c.pattern);
      return;
    case 'scan':
      w.varint(c.cursor).u8(c.match === null ? 0 : 1);
      if (c.match !== null) w.bytes(c.match);
      w.varint(c.count);
      return;
    case 'dbsize':
      return;
  }
}

/** A value a write stores: owned, so the key space never pins the log entry it came in. */
function readValue(r: BinaryReader): Bytes {
  return copyValue(r.bytesView());
}

function readCommand(r: BinaryReader): KvCommand {
  const op = r.u8();
  switch (op) {
    case OP.set: {
      const key = r.bytesView();
      const value = readValue(r);
      const condition = CONDITIONS[r.u8()];
      if (condition === undefined) throw new CodecError('bad SET condition');
      return { type: 'set', key, value, condition, returnOld: r.u8() === 1 };
    }
    case OP.append:
      return { type: 'append', key: r.bytesView(), value: readValue(r) };
    case OP.incrby:
      return { type: 'incrby', key: r.bytesView(), delta: r.i64() };
    case OP.cas: {
      const key = r.bytesView();
      const expected = r.u8() === 1 ? r.bytesView() : null;
      return { type: 'cas', key, expected, value: readValue(r) };
    }
    case OP.mset: {
      const count = r.count();
      const entries: Array<{ key: Bytes; value: Bytes }> = [];
      for (let i = 0; i < count; i++) entries.push({ key: r.bytesView(), value: readValue(r) });
      return { type: 'mset', entries };
    }
    case OP.del:
      return { type: 'del', keys: readKeys(r) };
    case OP.exists:
      return { type: 'exists', keys: readKeys(r) };
    case OP.mget:
      return { type: 'mget', keys: readKeys(r) };
    case OP.get:
      return { type: 'get', key: r.bytesView() };
    case OP.strlen:
      return { type: 'strlen', key: r.bytesView() };
    case OP.keys:
      return { type: 'keys', pattern: r.bytesView() };
    case OP.scan: {
      const cursor = r.varint();
      const match = r.u8() === 1 ? r.bytesView() : null;
      return { type: 'scan', cursor, match, count: r.varint() };
    }
    case OP.dbsize:
      return { type: 'dbsize' };
    default:
      throw new CodecError(`unknown command tag ${op}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Results

/** One result, encoded alone: what the session table keeps to answer a retry. */
export function encodeResult(result: KvResult): Uint8Array {
  if (result.type === 'ok') return OK_RESULT_BYTES;
  writeResult(scratch, result);
  return scratch.finish();
}

/** Shared, never mutated: the most common result of all (the session table charges it less). */
export const OK_RESULT_BYTES = Uint8Array.of(RESULT.ok);

/** Results already encoded one by one (encodeResult), joined into a results message. */
export function joinEncodedResults(parts: readonly Uint8Array[]): Uint8Array {
  const w = scratch.u8(KV_CODEC_VERSION).varint(parts.length);
  for (const part of parts) w.raw(part);
  return w.finish();
}

export function encodeResults(results: readonly KvResult[]): Uint8Array {
  const w = scratch.u8(KV_CODEC_VERSION).varint(results.length);
  for (const result of results) writeResult(w, result);
  return w.finish();
}

export function decodeResults(bytes: Uint8Array): Decoded<KvResult[]> {
  try {
    const r = new BinaryReader(bytes);
    const version = r.u8();
    if (version !== KV_CODEC_VERSION) return { ok: false, message: `unsupported result version ${version}` };
    const count = r.count();
    const results: KvResult[] = [];
    for (let i = 0; i < count; i++) results.push(readResult(r));
    if (!r.done) return { ok: false, message: 'trailing bytes after results' };
    return { ok: true, value: results };
  } catch (error) {
    if (error instanceof CodecError) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * decodeResults for a caller that answers item by item: bytes that do not decode become one error
 * result (`ERR undecodable <what>: ...`), which stands for every item.
 */
export function decodeResultsOrError(bytes: Uint8Array, what: string): KvResult[] {
  const decoded = decodeResults(bytes);
  return decoded.ok ? decoded.value : [{ type: 'error', message: `ERR undecodable ${what}: ${decoded.message}` }];
}

function writeResult(w: BinaryWriter, result: KvResult): void {
  w.u8(RESULT[result.type]);
  switch (result.type) {
    case 'ok':
    case 'null':
    case 'deferred':
      return;
    case 'integer':
      w.i64(result.value);
      return;
    case 'bulk':
      w.bytes(result.value);
      return;
    case 'values':
      w.varint(result.values.length);
      for (const value of result.values) writeOptional(w, value);
      return;
    case 'keys':
      writeKeys(w, result.keys);
      return;
    case 'scan':
      w.varint(result.cursor);
      writeKeys(w, result.keys);
      return;
    case 'cas':
      w.u8(result.swapped ? 1 : 0);
      writeOptional(w, result.current);
      return;
    case 'error':
      w.string(result.message);
      return;
  }
}

function writeOptional(w: BinaryWriter, value: Bytes | null): void {
  if (value === null) w.u8(0);
  else w.u8(1).bytes(value);
}

function readOptional(r: BinaryReader): Bytes | null {
  return r.u8() === 1 ? r.bytesView() : null;
}

function readResult(r: BinaryReader): KvResult {
  const tag = r.u8();
  switch (tag) {
    case RESULT.ok:
      return { type: 'ok' };
    case RESULT.null:
      return { type: 'null' };
    case RESULT.integer:
      return { type: 'integer', value: r.i64() };
    case RESULT.bulk:
      return { type: 'bulk', value: r.bytesView() };
    case RESULT.values: {
      const count = r.count();
      const values: Array<Bytes | null> = [];
      for (let i = 0; i < count; i++) values.push(readOptional(r));
      return { type: 'values', values };
    }
    case RESULT.keys:
      return { type: 'keys', keys: readKeys(r) };
    case RESULT.scan: {
      const cursor = r.varint();
      return { type: 'scan', cursor, keys: readKeys(r) };
    }
    case RESULT.cas: {
      const swapped = r.u8() === 1;
      return { type: 'cas', swapped, current: readOptional(r) };
    }
    case RESULT.error:
      return { type: 'error', message: r.string() };
    case RESULT.deferred:
      return { type: 'deferred' };
    default:
      throw new CodecError(`unknown result tag ${tag}`);
  }
}
