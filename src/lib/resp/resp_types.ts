/**
 * Values of the Redis serialization protocol (RESP2, plus the few RESP3 types we emit or may read).
 * Plain data, shared by the server front end and the TypeScript client.
 */
export type RespValue =
  | { type: 'simple'; value: string }
  | { type: 'error'; message: string }
  /** A number when it fits a safe integer, a bigint otherwise (64-bit counters). */
  | { type: 'integer'; value: number | bigint }
  | { type: 'bulk'; value: Uint8Array }
  /** RESP2 `$-1` / `*-1`, RESP3 `_`. */
  | { type: 'null' }
  | { type: 'array'; items: RespValue[] }
  /** RESP3 `%`; written as a flat array of key, value, key, value... under RESP2. */
  | { type: 'map'; entries: Array<[RespValue, RespValue]> }
  /** RESP3 `,` (read only; never emitted). */
  | { type: 'double'; value: number }
  /** RESP3 `#`; written as integer 1/0 under RESP2. */
  | { type: 'boolean'; value: boolean };

export type RespProtocol = 2 | 3;

/** One step of an incremental parser: a value, "need more bytes", or a protocol error. */
export type ParseStep<T> =
  | { kind: 'value'; value: T }
  | { kind: 'incomplete' }
  | { kind: 'error'; message: string };

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function utf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Decodes bytes for display or for ASCII tokens (command names, numbers); never for stored data. */
export function fromUtf8(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

export const resp = {
  simple: (value: string): RespValue => ({ type: 'simple', value }),
  error: (message: string): RespValue => ({ type: 'error', message }),
  integer: (value: number | bigint): RespValue => ({ type: 'integer', value }),
  bulk: (value: Uint8Array | string): RespValue => ({
    type: 'bulk',
    value: typeof value === 'string' ? utf8(value) : value,
  }),
  null: (): RespValue => ({ type: 'null' }),
  array: (items: RespValue[]): RespValue => ({ type: 'array', items }),
  map: (entries: Array<[RespValue, RespValue]>): RespValue => ({ type: 'map', entries }),
  ok: (): RespValue => OK,
};

const OK: RespValue = { type: 'simple', value: 'OK' };
