/**
 * Versioned snapshot of the whole state: applied index, key space (insertion order) and the
 * session table (least recently used first), so a restored replica evicts and pages exactly as
 * the one that took the snapshot.
 *
 *   "KVSS" u8 version varint appliedIndex
 *   varint keyCount   × (bytes key, bytes value)
 *   varint sessionCount × (string clientId, varint lastSequence, varint resultCount × (varint sequence, bytes result))
 */
import { BinaryReader, BinaryWriter, CodecError } from './binary_codec.js';
import type { Bytes } from './commands.js';
import { keyBytes } from './key_space.js';
import type { Session } from './session_table.js';

export const KV_SNAPSHOT_VERSION = 1;
const MAGIC = [0x4b, 0x56, 0x53, 0x53]; // "KVSS"

export interface SnapshotState {
  appliedIndex: number;
  entries: Iterable<[string, Bytes]>;
  sessions: Iterable<[string, Session]>;
}

export interface DecodedSnapshot {
  appliedIndex: number;
  entries: Array<[Bytes, Bytes]>;
  sessions: Array<[string, Session]>;
}

export function encodeSnapshot(state: SnapshotState): Uint8Array {
  const entries = [...state.entries];
  const sessions = [...state.sessions];
  const w = new BinaryWriter(1024).raw(Uint8Array.from(MAGIC)).u8(KV_SNAPSHOT_VERSION).varint(state.appliedIndex);
  w.varint(entries.length);
  for (const [key, value] of entries) w.bytes(keyBytes(key)).bytes(value);
  w.varint(sessions.length);
  for (const [clientId, session] of sessions) {
    w.string(clientId).varint(session.lastSequence).varint(session.results.size);
    for (const [sequence, result] of session.results) w.varint(sequence).bytes(result);
  }
  return w.finish();
}

export function decodeSnapshot(bytes: Uint8Array): { ok: true; value: DecodedSnapshot } | { ok: false; message: string } {
  try {
    const r = new BinaryReader(bytes);
    const magic = r.raw(MAGIC.length);
    if (!MAGIC.every((byte, i) => magic[i] === byte)) return { ok: false, message: 'not a key-value snapshot' };
    const version = r.u8();
    if (version !== KV_SNAPSHOT_VERSION) return { ok: false, message: `unsupported snapshot version ${version}` };
    const appliedIndex = r.varint();
    const entries: Array<[Bytes, Bytes]> = [];
    for (let i = r.count(); i > 0; i--) entries.push([r.bytes(), r.bytes()]);
    const sessions: Array<[string, Session]> = [];
    for (let i = r.count(); i > 0; i--) {
      const clientId = r.string();
      const lastSequence = r.varint();
      const results = new Map<number, Uint8Array>();
      for (let j = r.count(); j > 0; j--) results.set(r.varint(), r.bytes());
      sessions.push([clientId, { lastSequence, results }]);
    }
    if (!r.done) return { ok: false, message: 'trailing bytes after snapshot' };
    return { ok: true, value: { appliedIndex, entries, sessions } };
  } catch (error) {
    if (error instanceof CodecError) return { ok: false, message: `corrupt snapshot: ${error.message}` };
    throw error;
  }
}
