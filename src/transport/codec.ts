/**
 * The socket codec: Raft message batches as binary frames. Pure (no I/O), so the TCP transport,
 * tests and benches share it.
 *
 * Frame = header (8 bytes) + payload:
 *   0..1  magic "kv" (0x6b 0x76)   a stray client (telnet, redis-cli) is told apart at byte one
 *   2     wire version; 2 added the follower's last log term to heartbeat responses. Hellos of
 *         earlier versions are still decoded, so that their nodes are refused by name (batches of
 *         another version are not decoded at all)
 *   3     frame kind: 1 batch of messages, 3 hello (handshake naming the sender and its lease
 *         settings); 2 was the first release's hello, without settings: it is still decoded, so
 *         that a node of that release is refused by name instead of misread
 *   4..7  payload length, unsigned 32-bit big-endian, at most FRAME_PAYLOAD_BYTES_MAX
 *
 * Decoding never throws and never allocates more than the bytes actually received: bad input
 * becomes a DecodeError value, after which the stream is unusable and should be closed.
 */
import type { Message, NodeId } from '../core/types.js';
import { assert } from '../lib/assert.js';
import { MESSAGE_BYTES_MIN, messageSize, readMessage, writeMessage } from './message_codec.js';
import type { LeaseSettings } from './peer_protocol.js';
import { assertWireNumber, varintSize, WireFailure, WireReader, WireWriter } from './wire.js';

export const FRAME_MAGIC_0 = 0x6b;
export const FRAME_MAGIC_1 = 0x76;
export const WIRE_VERSION = 2;
/** The oldest version whose hello frames are still decoded (to refuse their nodes by name). */
const WIRE_VERSION_OLDEST = 1;
export const FRAME_HEADER_BYTES = 8;
/** Far above one append (appendBytesMax defaults to 1 MiB), far below what would hurt a node. */
export const FRAME_PAYLOAD_BYTES_MAX = 64 * 1024 * 1024;
/** More than an append message's fields and one entry's header take, whatever their values. */
const APPEND_OVERHEAD_BYTES_MAX = 1024;
/**
 * The largest entry data a node may append to its log: an append carrying that one entry still
 * fits a frame. A bigger entry could never reach a follower, and every later entry would wait
 * behind it, so the node driver refuses such proposals (see NodeDriverOptions.entryBytesMax).
 */
export const ENTRY_DATA_BYTES_MAX = FRAME_PAYLOAD_BYTES_MAX - APPEND_OVERHEAD_BYTES_MAX;

const KIND_BATCH = 1;
const KIND_HELLO_WITHOUT_SETTINGS = 2;
const KIND_HELLO = 3;

/** The hello's flags byte; other bits must be zero. */
const FLAG_CHECK_QUORUM = 1;
const FLAG_READ_LEASE = 2;

export type Frame =
  | { kind: 'batch'; messages: Message[] }
  | { kind: 'hello'; from: NodeId; to: NodeId; lease: LeaseSettings; wireVersion: number }
  | { kind: 'hello-without-settings'; from: NodeId; to: NodeId };

export type DecodeErrorReason =
  | 'bad-magic'
  | 'bad-version'
  | 'unknown-frame-kind'
  | 'frame-too-large'
  | 'unknown-message-type'
  | 'malformed'
  | 'truncated';

export interface DecodeError {
  type: 'decode-error';
  reason: DecodeErrorReason;
  detail: string;
}

function decodeError(reason: DecodeErrorReason, detail: string): DecodeError {
  return { type: 'decode-error', reason, detail };
}

/**
 * A plain Uint8Array over fresh memory that is not zeroed first: every byte is about to be
 * written, and zeroing large frames costs as much as the copy itself. Its own ArrayBuffer, of
 * exactly this size (no shared pool), so a view never exposes or pins unrelated memory.
 */
function uninitializedBytes(length: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

function writeHeader(w: WireWriter, kind: number, payloadBytes: number): void {
  w.byte(FRAME_MAGIC_0);
  w.byte(FRAME_MAGIC_1);
  w.byte(WIRE_VERSION);
  w.byte(kind);
  const b = w.bytes;
  b[w.offset++] = (payloadBytes >>> 24) & 0xff;
  b[w.offset++] = (payloadBytes >>> 16) & 0xff;
  b[w.offset++] = (payloadBytes >>> 8) & 0xff;
  b[w.offset++] = payloadBytes & 0xff;
}

function encodeSized(messages: readonly Message[], sizes: readonly number[], from: number, to: number): Uint8Array {
  let payloadBytes = varintSize(to - from);
  for (let i = from; i < to; i++) payloadBytes += sizes[i] as number;
  assert(payloadBytes <= FRAME_PAYLOAD_BYTES_MAX, () => `frame payload of ${payloadBytes} bytes exceeds the maximum`);
  const w = new WireWriter(uninitializedBytes(FRAME_HEADER_BYTES + payloadBytes));
  writeHeader(w, KIND_BATCH, payloadBytes);
  w.varint(to - from);
  for (let i = from; i < to; i++) writeMessage(w, messages[i] as Message);
  assert(w.offset === w.bytes.length, 'frame size was computed wrongly');
  return w.bytes;
}

/** One frame holding the whole batch; the batch must fit FRAME_PAYLOAD_BYTES_MAX (see encodeFrames). */
export function encodeFrame(messages: readonly Message[]): Uint8Array {
  return encodeSized(messages, messages.map(messageSize), 0, messages.length);
}

/**
 * The batch as few frames as possible (one, unless it exceeds FRAME_PAYLOAD_BYTES_MAX). A single
 * message too big for any frame cannot be sent; it is handed back so the caller can log the drop.
 */
export function encodeFrames(messages: readonly Message[]): { frames: Uint8Array[]; oversized: Message[] } {
  const sizes = messages.map(messageSize);
  const frames: Uint8Array[] = [];
  const oversized: Message[] = [];
  const room = FRAME_PAYLOAD_BYTES_MAX - 5; // 5: the largest count prefix a frame could need
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const size = sizes[i] as number;
    if (size > room) {
      if (i > start) frames.push(encodeSized(messages, sizes, start, i));
      oversized.push(messages[i] as Message);
      start = i + 1;
      bytes = 0;
    } else if (bytes + size > room) {
      frames.push(encodeSized(messages, sizes, start, i));
      start = i;
      bytes = size;
    } else {
      bytes += size;
    }
  }
  if (start < messages.length) frames.push(encodeSized(messages, sizes, start, messages.length));
  return { frames, oversized };
}

/**
 * The first frame on a peer connection: who is calling, whom it believes it called, and the
 * settings lease reads depend on (see LeaseSettings). Payload: varints from, to, tick interval ms,
 * election timeout ticks, heartbeat ticks; then one flags byte (check-quorum, read-lease).
 */
export function encodeHello(from: NodeId, to: NodeId, lease: LeaseSettings): Uint8Array {
  const numbers = [from, to, lease.tickIntervalMs, lease.electionTimeoutTicks, lease.heartbeatIntervalTicks];
  for (const value of numbers) assertWireNumber(value, 'hello field');
  const payloadBytes = numbers.reduce((sum, value) => sum + varintSize(value), 1);
  const w = new WireWriter(new Uint8Array(FRAME_HEADER_BYTES + payloadBytes));
  writeHeader(w, KIND_HELLO, payloadBytes);
  for (const value of numbers) w.varint(value);
  w.byte((lease.checkQuorum ? FLAG_CHECK_QUORUM : 0) | (lease.readLease ? FLAG_READ_LEASE : 0));
  return w.bytes;
}

function readHello(r: WireReader, wireVersion: number): Frame {
  const from = r.varint('hello from');
  const to = r.varint('hello to');
  const tickIntervalMs = r.varint('hello tick interval');
  const electionTimeoutTicks = r.varint('hello election timeout');
  const heartbeatIntervalTicks = r.varint('hello heartbeat interval');
  const flags = r.byte('hello flags');
  if ((flags & ~(FLAG_CHECK_QUORUM | FLAG_READ_LEASE)) !== 0) throw new WireFailure('malformed', `unknown hello flags 0x${flags.toString(16)}`);
  const lease = { tickIntervalMs, electionTimeoutTicks, heartbeatIntervalTicks, checkQuorum: (flags & FLAG_CHECK_QUORUM) !== 0, readLease: (flags & FLAG_READ_LEASE) !== 0 };
  return { kind: 'hello', from, to, lease, wireVersion };
}

/** Checks the header bytes seen so far (the first `available` of them): fails fast on garbage. */
function checkHeaderPrefix(byteAt: (i: number) => number, available: number): DecodeError | null {
  if (available > 0 && byteAt(0) !== FRAME_MAGIC_0) return decodeError('bad-magic', `first byte is 0x${byteAt(0).toString(16)}, not a kv-sim frame`);
  if (available > 1 && byteAt(1) !== FRAME_MAGIC_1) return decodeError('bad-magic', `second byte is 0x${byteAt(1).toString(16)}, not a kv-sim frame`);
  const badVersion = (): DecodeError => decodeError('bad-version', `wire version ${byteAt(2)}, this node speaks ${WIRE_VERSION}`);
  if (available > 2 && (byteAt(2) < WIRE_VERSION_OLDEST || byteAt(2) > WIRE_VERSION)) return badVersion();
  if (available < 4) return null;
  const kind = byteAt(3);
  if (kind !== KIND_BATCH && kind !== KIND_HELLO && kind !== KIND_HELLO_WITHOUT_SETTINGS) return decodeError('unknown-frame-kind', `frame kind ${kind}`);
  if (kind === KIND_BATCH && byteAt(2) !== WIRE_VERSION) return badVersion();
  return null;
}

function readLength(byteAt: (i: number) => number): number {
  return byteAt(4) * 0x100_0000 + ((byteAt(5) << 16) | (byteAt(6) << 8) | byteAt(7));
}

/**
 * `payload` must be a plain Uint8Array the caller will not reuse: entry data are views into it.
 * Callers copy it out of the receive buffer once, so entries never pin a socket's chunk.
 */
function decodePayload(kind: number, wireVersion: number, payload: Uint8Array): Frame | DecodeError {
  const r = new WireReader(payload);
  try {
    let frame: Frame;
    if (kind === KIND_HELLO) {
      frame = readHello(r, wireVersion);
    } else if (kind === KIND_HELLO_WITHOUT_SETTINGS) {
      frame = { kind: 'hello-without-settings', from: r.varint('hello from'), to: r.varint('hello to') };
    } else {
      const count = r.count('message count', MESSAGE_BYTES_MIN);
      const messages: Message[] = [];
      for (let i = 0; i < count; i++) {
        const m = readMessage(r);
        if ('unknownType' in m) return decodeError('unknown-message-type', `message type code ${m.unknownType}`);
        messages.push(m);
      }
      frame = { kind: 'batch', messages };
    }
    if (r.remaining !== 0) return decodeError('malformed', `${r.remaining} stray bytes after the frame's content`);
    return frame;
  } catch (failure) {
    if (failure instanceof WireFailure) return decodeError(failure.reason, failure.detail);
    throw failure;
  }
}

/**
 * Decodes exactly one whole frame (no more, no less). Entry data are copied out of `bytes`,
 * unless `adopt` says the caller hands `bytes` over for good (a frame transferred from another
 * thread): then they are views into it, and the caller must not touch `bytes` again.
 */
export function decodeFrame(bytes: Uint8Array, adopt = false): { ok: true; frame: Frame } | { ok: false; error: DecodeError } {
  const byteAt = (i: number): number => bytes[i] as number;
  const prefix = checkHeaderPrefix(byteAt, Math.min(bytes.length, FRAME_HEADER_BYTES));
  if (prefix !== null) return { ok: false, error: prefix };
  if (bytes.length < FRAME_HEADER_BYTES) return { ok: false, error: decodeError('truncated', 'shorter than a frame header') };
  const length = readLength(byteAt);
  if (length > FRAME_PAYLOAD_BYTES_MAX) return { ok: false, error: decodeError('frame-too-large', `payload of ${length} bytes`) };
  if (bytes.length !== FRAME_HEADER_BYTES + length) {
    const reason = bytes.length < FRAME_HEADER_BYTES + length ? 'truncated' : 'malformed';
    return { ok: false, error: decodeError(reason, `header says ${length} payload bytes, got ${bytes.length - FRAME_HEADER_BYTES}`) };
  }
  const payload = adopt && !(bytes instanceof Buffer) ? bytes.subarray(FRAME_HEADER_BYTES) : ownedCopy(bytes, FRAME_HEADER_BYTES, bytes.length);
  const result = decodePayload(bytes[3] as number, bytes[2] as number, payload);
  return 'type' in result ? { ok: false, error: result } : { ok: true, frame: result };
}

/** A fresh plain Uint8Array (Buffer#slice would share memory, and would make Buffers). */
function ownedCopy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const copy = uninitializedBytes(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}

export interface DecodeOutcome {
  /** Frames completed by this chunk, in stream order (possibly none). */
  frames: Frame[];
  /** Set once the stream is known bad; every later push returns it again. */
  error: DecodeError | null;
}

/**
 * Incremental decoding of a byte stream cut into arbitrary chunks. Chunks are kept as received
 * until a frame is complete, so memory follows the bytes that really arrived, whatever a header
 * claims (and a header claiming more than FRAME_PAYLOAD_BYTES_MAX is refused at once).
 */
export class FrameDecoder {
  private readonly chunks: Uint8Array[] = [];
  private headOffset = 0;
  private buffered = 0;
  private pendingKind = 0;
  private pendingVersion = 0;
  private pendingLength = -1;
  private error: DecodeError | null = null;

  /** Bytes received but not yet part of a decoded frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): DecodeOutcome {
    const frames: Frame[] = [];
    if (this.error !== null || chunk.length === 0) return { frames, error: this.error };
    // A plain view: Buffer's slice() shares memory, Uint8Array's copies; we want the latter's rules.
    this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.length;
    while (this.error === null) {
      if (this.pendingLength < 0 && !this.readHeader()) break;
      if (this.pendingLength < 0 || this.buffered < this.pendingLength) break;
      const result = decodePayload(this.pendingKind, this.pendingVersion, this.take(this.pendingLength, true));
      this.pendingLength = -1;
      if ('type' in result) this.error = result;
      else frames.push(result);
    }
    return { frames, error: this.error };
  }

  /** Call at end of stream: a partial frame left over means the peer stopped mid-frame. */
  end(): DecodeError | null {
    if (this.error === null && (this.buffered > 0 || this.pendingLength >= 0)) {
      this.error = decodeError('truncated', `stream ended inside a frame (${this.buffered} bytes pending)`);
    }
    return this.error;
  }

  /** True once a header was read (pendingLength set); false when more bytes are needed or on error. */
  private readHeader(): boolean {
    const byteAt = (i: number): number => this.byteAt(i);
    this.error = checkHeaderPrefix(byteAt, Math.min(this.buffered, FRAME_HEADER_BYTES));
    if (this.error !== null || this.buffered < FRAME_HEADER_BYTES) return false;
    const length = readLength(byteAt);
    if (length > FRAME_PAYLOAD_BYTES_MAX) {
      this.error = decodeError('frame-too-large', `header claims ${length} payload bytes, max ${FRAME_PAYLOAD_BYTES_MAX}`);
      return false;
    }
    this.pendingKind = byteAt(3);
    this.pendingVersion = byteAt(2);
    this.take(FRAME_HEADER_BYTES);
    this.pendingLength = length;
    return true;
  }

  private byteAt(i: number): number {
    let index = i + this.headOffset;
    for (const chunk of this.chunks) {
      if (index < chunk.length) return chunk[index] as number;
      index -= chunk.length;
    }
    assert(false, 'byteAt past the buffered bytes');
  }

  /** Removes and returns the next n buffered bytes: a copy we own if `own`, else maybe a view. */
  private take(n: number, own = false): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.headOffset >= n) {
      const view = own ? ownedCopy(first, this.headOffset, this.headOffset + n) : first.subarray(this.headOffset, this.headOffset + n);
      this.headOffset += n;
      if (this.headOffset === first.length) {
        this.chunks.shift();
        this.headOffset = 0;
      }
      return view;
    }
    const out = uninitializedBytes(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      assert(chunk !== undefined, 'take past the buffered bytes');
      const part = Math.min(n - filled, chunk.length - this.headOffset);
      out.set(chunk.subarray(this.headOffset, this.headOffset + part), filled);
      filled += part;
      this.headOffset += part;
      if (this.headOffset === chunk.length) {
        this.chunks.shift();
        this.headOffset = 0;
      }
    }
    return out;
  }
}
