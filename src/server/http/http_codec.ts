/**
 * Bytes and JSON at the HTTP edge: percent-decoding of keys to raw bytes (binary safe), the
 * value encodings (utf8 text or base64), BigInt-safe JSON, and the response shape.
 */
import { utf8 } from '../../lib/resp/resp_types.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ValueEncoding = 'utf8' | 'base64';

/** JSON.stringify that writes BigInts as numbers when safe, else as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'bigint') return item;
    return item >= BigInt(Number.MIN_SAFE_INTEGER) && item <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(item) : item.toString();
  });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: `${toJson(body)}\n` };
}

export function problem(status: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): HttpResponse {
  return json(status, { error: message, ...extra }, headers);
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Percent-decodes a path segment or query value into bytes: `%XX` is one byte, anything else is
 * its UTF-8. So any byte string can be named (`%00`, `%FF`), and `..%2F` is just three bytes of a
 * key. null when a `%` is not followed by two hex digits.
 */
export function percentDecode(text: string, plusIsSpace = false): Uint8Array | null {
  const out: number[] = [];
  let literalStart = 0;
  const flushLiteral = (end: number): void => {
    if (end > literalStart) for (const byte of utf8(text.slice(literalStart, end))) out.push(byte);
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return null;
      flushLiteral(i);
      out.push(parseInt(hex, 16));
      i += 2;
      literalStart = i + 1;
    } else if (plusIsSpace && char === '+') {
      flushLiteral(i);
      out.push(0x20);
      literalStart = i + 1;
    }
  }
  flushLiteral(text.length);
  return Uint8Array.from(out);
}

/** Query parameters as raw bytes per name (the last one wins); null on bad percent-encoding. */
export function parseQuery(query: string): Map<string, Uint8Array> | null {
  const params = new Map<string, Uint8Array>();
  if (query === '') return params;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecode(eq === -1 ? part : part.slice(0, eq), true);
    const value = percentDecode(eq === -1 ? '' : part.slice(eq + 1), true);
    if (name === null || value === null) return null;
    params.set(new TextDecoder().decode(name), value);
  }
  return params;
}

const textDecoder = new TextDecoder();

/** Bytes for a JSON answer: text (invalid UTF-8 shows as U+FFFD) or base64. */
export function encodeBytes(bytes: Uint8Array, encoding: ValueEncoding): string {
  return encoding === 'base64' ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64') : textDecoder.decode(bytes);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A JSON string from a request into bytes; null when it is not valid base64 (base64 encoding). */
export function decodeText(text: string, encoding: ValueEncoding): Uint8Array | null {
  if (encoding === 'utf8') return utf8(text);
  if (text.length % 4 !== 0 || !BASE64.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'base64'));
}
