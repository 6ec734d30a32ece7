/**
 * Versioned snapshot of the whole state: applied index, key space (insertion order) and the
 * session table (least recently used first), so a restored replica evicts and pages exactly as
 * the one that took the snapshot.
 *
 *   "KVSS" u8 version varint appliedIndex
 *   varint keyCount   × (bytes key, bytes value)
 *   varint sessionCount × (string clientId, varint lastSequence, varint resultCount × (varint sequence, bytes result))
 *   version 2 only: varint tailCount × (varint index, bytes command)
 *
 * The tail (version 2) is what lets a snapshot be taken without stalling the event loop: the state
 * is captured at index A and encoded in bounded steps while the node keeps applying; the commands
 * applied meanwhile (A, B] travel as a tail that restore() replays. apply() is deterministic, so
 * base + tail is the state at B. A synchronous snapshot has an empty tail.
 */
import { BinaryReader, BinaryWriter, CodecError } from './binary_codec.js';
import type { Bytes } from './commands.js';
import type { Session } from './session_table.js';

export const KV_SNAPSHOT_VERSION = 2;
const MAGIC = [0x4b, 0x56, 0x53, 0x53]; // "KVSS"

export interface SnapshotState {
  appliedIndex: number;
  entries: Iterable<[string, Bytes]>;
  sessions: Iterable<[string, Session]>;
}

/** A command applied after the captured index, replayed on restore. */
export interface TailCommand {
  index: number;
  command: Bytes;
}

export interface DecodedSnapshot {
  appliedIndex: number;
  /** Values are views into the snapshot's bytes (snapshots are never written to after they are made). */
  entries: Array<[Bytes, Bytes]>;
  sessions: Array<[string, Session]>;
  tail: TailCommand[];
}

export function encodeSnapshot(state: SnapshotState): Uint8Array {
  const encoder = new IncrementalSnapshotEncoder(captureState(state.appliedIndex, state.entries, encodeSessions(state.sessions)));
  while (!encoder.step(Number.MAX_SAFE_INTEGER));
  return encoder.finish([]);
}

/** Copies the entry references (not the bytes) into two arrays: the one O(n) part that is not stepped. */
export function captureState(appliedIndex: number, entries: Iterable<[string, Bytes]>, sessionBytes: Uint8Array, size = 0): SnapshotCapture {
  const keys = new Array<string>(size);
  const values = new Array<Bytes>(size);
  let i = 0;
  for (const [key, value] of entries) {
    keys[i] = key;
    values[i++] = value;
  }
  keys.length = i;
  values.length = i;
  return { appliedIndex, keys, values, sessionBytes };
}

export function encodeSessions(sessions: Iterable<[string, Session]>): Uint8Array {
  const all = [...sessions];
  const w = new BinaryWriter(256).varint(all.length);
  for (const [clientId, session] of all) {
    w.string(clientId).varint(session.lastSequence).varint(session.results.size);
    for (const [sequence, result] of session.results) w.varint(sequence).bytes(result);
  }
  return w.finish();
}

/** A point-in-time copy of the state: references to keys and values (values are immutable). */
export interface SnapshotCapture {
  appliedIndex: number;
  keys: string[];
  values: Bytes[];
  sessionBytes: Uint8Array;
}

/** Room left after the base for the tail, so finishing rarely copies the whole snapshot. */
export const TAIL_SLACK_BYTES_MIN = 1 << 20;

/**
 * Encodes a capture into one buffer, a bounded number of entries per step(): first steps measure
 * the size, so the buffer is allocated once and never grown; later steps write into it.
 * finish() appends the sessions and the tail.
 */
export class IncrementalSnapshotEncoder {
  private readonly capture: SnapshotCapture;
  private data: Uint8Array = new Uint8Array(0);
  private sizedBytes = 0;
  private sized = 0;
  private offset = 0;
  private next = 0;

  constructor(capture: SnapshotCapture) {
    this.capture = capture;
  }

  /** Measures, then encodes, up to `maxEntries` entries; true once every entry is written. */
  step(maxEntries: number): boolean {
    const { keys, values } = this.capture;
    if (this.sized < keys.length) {
      // Measuring is much cheaper than copying: take more entries per step.
      const end = Math.min(keys.length, this.sized + maxEntries * 8);
      let bytes = this.sizedBytes;
      for (let i = this.sized; i < end; i++) {
        const keyLength = (keys[i] as string).length;
        const valueLength = (values[i] as Bytes).length;
        bytes += keyLength + valueLength + varintLength(keyLength) + varintLength(valueLength);
      }
      this.sizedBytes = bytes;
      this.sized = end;
      return false;
    }
    if (this.data.length === 0) this.allocate();
    const end = Math.min(keys.length, this.next + maxEntries);
    const data = this.data;
    let offset = this.offset;
    for (let i = this.next; i < end; i++) {
      const key = keys[i] as string;
      const value = values[i] as Bytes;
      offset = writeVarint(data, offset, key.length);
      for (let c = 0; c < key.length; c++) data[offset + c] = key.charCodeAt(c);
      offset += key.length;
      offset = writeVarint(data, offset, value.length);
      data.set(value, offset);
      offset += value.length;
    }
    this.offset = offset;
    this.next = end;
    return end === keys.length;
  }

  private allocate(): void {
    const { capture } = this;
    const baseBytes = MAGIC.length + 1 + 9 + 9 + this.sizedBytes + capture.sessionBytes.length;
    this.data = new Uint8Array(baseBytes + Math.max(TAIL_SLACK_BYTES_MIN, baseBytes >>> 6));
    this.data.set(MAGIC, 0);
    this.data[MAGIC.length] = KV_SNAPSHOT_VERSION;
    this.offset = writeVarint(this.data, MAGIC.length + 1, capture.appliedIndex);
    this.offset = writeVarint(this.data, this.offset, capture.keys.length);
  }

  /** The snapshot bytes: base, sessions, then the tail. Call once, after step() returned true. */
  finish(tail: readonly TailCommand[]): Uint8Array {
    if (this.data.length === 0) this.allocate(); // an empty key space needs no step
    if (this.next !== this.capture.keys.length) throw new Error('IncrementalSnapshotEncoder.finish before every entry was encoded');
    let tailBytes = 9;
    for (const { index, command } of tail) tailBytes += varintLength(index) + varintLength(command.length) + command.length;
    const needed = this.offset + this.capture.sessionBytes.length + tailBytes;
    if (needed > this.data.length) {
      const grown = new Uint8Array(needed);
      grown.set(this.data.subarray(0, this.offset));
      this.data = grown;
    }
    const data = this.data;
    data.set(this.capture.sessionBytes, this.offset);
    let offset = writeVarint(data, this.offset + this.capture.sessionBytes.length, tail.length);
    for (const { index, command } of tail) {
      offset = writeVarint(data, offset, index);
      offset = writeVarint(data, offset, command.length);
      data.set(command, offset);
      offset += command.length;
    }
    return data.subarray(0, offset);
  }
}

export function decodeSnapshot(bytes: Uint8Array): { ok: true; value: DecodedSnapshot } | { ok: false; message: string } {
  try {
    const r = new BinaryReader(bytes);
    const magic = r.raw(MAGIC.length);
    if (!MAGIC.every((byte, i) => magic[i] === byte)) return { ok: false, message: 'not a key-value snapshot' };
    const version = r.u8();
    if (version !== 1 && version !== 2) return { ok: false, message: `unsupported snapshot version ${version}` };
    const appliedIndex = r.varint();
    const entries: Array<[Bytes, Bytes]> = [];
    for (let i = r.count(); i > 0; i--) entries.push([r.raw(r.varint()), r.raw(r.varint())]);
    const sessions: Array<[string, Session]> = [];
    for (let i = r.count(); i > 0; i--) {
      const clientId = r.string();
      const lastSequence = r.varint();
      const results = new Map<number, Uint8Array>();
      for (let j = r.count(); j > 0; j--) results.set(r.varint(), r.bytes());
      sessions.push([clientId, { lastSequence, results }]);
    }
    const tail: TailCommand[] = [];
    if (version === 2) {
      let previous = appliedIndex;
      for (let i = r.count(); i > 0; i--) {
        const index = r.varint();
        if (index <= previous) return { ok: false, message: `snapshot tail index ${index} does not follow ${previous}` };
        tail.push({ index, command: r.raw(r.varint()) });
        previous = index;
      }
    }
    if (!r.done) return { ok: false, message: 'trailing bytes after snapshot' };
    return { ok: true, value: { appliedIndex, entries, sessions, tail } };
  } catch (error) {
    if (error instanceof CodecError) return { ok: false, message: `corrupt snapshot: ${error.message}` };
    throw error;
  }
}

function varintLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

/** The same encoding as BinaryWriter.varint, into a buffer with room for it. */
function writeVarint(data: Uint8Array, offset: number, value: number): number {
  let at = offset;
  let rest = value;
  while (rest >= 0x80) {
    data[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  data[at++] = rest;
  return at;
}
