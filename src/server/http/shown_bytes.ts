/**
 * Keys and values as JSON strings in an answer, never changed on the way out. Text (the default
 * encoding) cannot carry bytes that are not UTF-8: a stored 0xFF would come out as U+FFFD. So when
 * any of an object's keys and values is not valid UTF-8, all of them are sent in base64 instead,
 * and every such object names the encoding its strings are in, `"encoding": "utf8" | "base64"`.
 */
import { isUtf8 } from 'node:buffer';
import { encodeBytes, type ValueEncoding } from './http_codec.js';

export type ShownFields<Name extends string> = Record<Name, string | null> & { encoding: ValueEncoding };

/** The fields as strings in the requested encoding, or base64 when text would change them. */
export function shownFields<Name extends string>(fields: Record<Name, Uint8Array | null>, requested: ValueEncoding): ShownFields<Name> {
  const all = Object.values<Uint8Array | null>(fields);
  const encoding = requested === 'utf8' && all.every((bytes) => bytes === null || isUtf8(bytes)) ? 'utf8' : 'base64';
  const shown: Record<string, string | null> = {};
  for (const [name, bytes] of Object.entries<Uint8Array | null>(fields)) shown[name] = bytes === null ? null : encodeBytes(bytes, encoding);
  return { ...(shown as Record<Name, string | null>), encoding };
}
