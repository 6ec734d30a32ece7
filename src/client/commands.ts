/**
 * The client's commands as plain specs: the RESP arguments to send, whether the command is a
 * write (needs a session sequence and must go to the leader), and how to decode the reply into a
 * typed result. Pure: no sockets, no retries.
 */
import { fromUtf8, type RespValue } from '../lib/resp/index.js';
import { KvArgumentError, KvProtocolError } from './errors.js';

/** Keys and values are binary safe: a string is sent as its UTF-8 bytes. */
export type KvKey = string | Uint8Array;
export type KvValue = string | Uint8Array;
/** How values (and keys, for KEYS/SCAN) come back: decoded UTF-8 text (default) or raw bytes. */
export type ValueFormat = 'string' | 'bytes';
/** A counter: a number while it is a safe integer, a bigint beyond (64-bit counters). */
export type KvInteger = number | bigint;

export interface CommandSpec<T> {
  /** Command name for messages ("SET"). */
  name: string;
  args: Array<string | Uint8Array>;
  write: boolean;
  decode: (reply: RespValue) => T;
}

export interface CasResult<V> {
  /** Whether the new value was stored. */
  swapped: boolean;
  /** The value stored now (the new one when swapped), null when the key is absent. */
  current: V | null;
}

export interface ScanPage<V> {
  /** Pass it to the next scan(); 0 means the scan is complete. */
  cursor: number;
  keys: V[];
}

export function describe(reply: RespValue): string {
  return reply.type === 'error' ? `error '${reply.message}'` : `${reply.type} reply`;
}

function mismatch(name: string, reply: RespValue): KvProtocolError {
  return new KvProtocolError(`unexpected ${describe(reply)} to ${name}`);
}

export function decodeInteger(name: string): (reply: RespValue) => KvInteger {
  return (reply) => {
    if (reply.type === 'integer') return reply.value;
    if (reply.type === 'boolean') return reply.value ? 1 : 0;
    throw mismatch(name, reply);
  };
}

export function decodeNumber(name: string): (reply: RespValue) => number {
  return (reply) => {
    const value = decodeInteger(name)(reply);
    if (typeof value !== 'number') throw mismatch(name, reply);
    return value;
  };
}

export function decodeValue<V>(name: string, format: ValueFormat): (reply: RespValue) => V | null {
  return (reply) => {
    if (reply.type === 'null') return null;
    if (reply.type === 'bulk') return convert<V>(reply.value, format);
    // A server may answer a small string as a simple string; accept it.
    if (reply.type === 'simple') return convert<V>(new TextEncoder().encode(reply.value), format);
    throw mismatch(name, reply);
  };
}

export function decodeOk(name: string): (reply: RespValue) => void {
  return (reply) => {
    if (reply.type === 'simple' && reply.value === 'OK') return;
    throw mismatch(name, reply);
  };
}

/** SET without GET: true when stored, false when NX/XX prevented it (a null reply). */
export function decodeSetStored(reply: RespValue): boolean {
  if (reply.type === 'null') return false;
  if (reply.type === 'simple' && reply.value === 'OK') return true;
  throw mismatch('SET', reply);
}

export function decodeValues<V>(name: string, format: ValueFormat): (reply: RespValue) => Array<V | null> {
  const item = decodeValue<V>(name, format);
  return (reply) => {
    if (reply.type !== 'array') throw mismatch(name, reply);
    return reply.items.map(item);
  };
}

export function decodeKeys<V>(name: string, format: ValueFormat): (reply: RespValue) => V[] {
  const values = decodeValues<V>(name, format);
  return (reply) =>
    values(reply).map((key) => {
      if (key === null) throw mismatch(name, { type: 'null' });
      return key;
    });
}

/** SCAN answers [cursor as a bulk string, [keys...]], as Redis does. */
export function decodeScan<V>(format: ValueFormat): (reply: RespValue) => ScanPage<V> {
  const keys = decodeKeys<V>('SCAN', format);
  return (reply) => {
    if (reply.type !== 'array' || reply.items.length !== 2) throw mismatch('SCAN', reply);
    const [cursorReply, keysReply] = reply.items as [RespValue, RespValue];
    const cursorText =
      cursorReply.type === 'bulk' ? fromUtf8(cursorReply.value) : cursorReply.type === 'integer' ? String(cursorReply.value) : '';
    const cursor = Number(cursorText);
    if (cursorText === '' || !Number.isSafeInteger(cursor) || cursor < 0) throw mismatch('SCAN', cursorReply);
    return { cursor, keys: keys(keysReply) };
  };
}

/** CAS answers [swapped (0/1), current value or null]. */
export function decodeCas<V>(format: ValueFormat): (reply: RespValue) => CasResult<V> {
  const value = decodeValue<V>('CAS', format);
  return (reply) => {
    if (reply.type !== 'array' || reply.items.length !== 2) throw mismatch('CAS', reply);
    const [swappedReply, currentReply] = reply.items as [RespValue, RespValue];
    const swapped = decodeInteger('CAS')(swappedReply);
    return { swapped: swapped === 1, current: value(currentReply) };
  };
}

function convert<V>(bytes: Uint8Array, format: ValueFormat): V {
  return (format === 'bytes' ? bytes : fromUtf8(bytes)) as V;
}

export function checkKey(key: unknown, what = 'key'): KvKey {
  if (typeof key === 'string' || key instanceof Uint8Array) return key;
  throw new KvArgumentError(`${what} must be a string or a Uint8Array, got ${key === null ? 'null' : typeof key}`);
}

export function checkKeys(name: string, keys: readonly unknown[]): KvKey[] {
  if (keys.length === 0) throw new KvArgumentError(`${name} needs at least one key`);
  return keys.map((key) => checkKey(key));
}

/** Accepts a safe integer, a bigint or a decimal string (the REPL passes strings). */
export function toIntegerArgument(value: unknown, what: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
  throw new KvArgumentError(`${what} must be an integer, got ${String(value)}`);
}
