import { parseSafeIntegerIn } from './decimal.js';

/** Bytes indexOf() scans in JavaScript before it calls the builtin. */
const SHORT_SCAN_BYTES = 16;

/**
 * A growable byte buffer with a read cursor: bytes are appended at the end and consumed from the
 * front. Compacts in place before growing, so steady pipelined traffic reuses one allocation.
 *
 * A chunk pushed while the queue is empty is borrowed, not copied: most reads hold whole requests,
 * and parsing them straight from the chunk spares a copy of every byte. The queue never writes into
 * a borrowed chunk; when more bytes arrive before it is consumed, its rest moves into the queue's
 * own buffer.
 */
export class ByteQueue {
  /** The queue's own buffer, reused across pushes. */
  private owned: Uint8Array;
  /** What the cursor reads: `owned`, or a borrowed chunk. */
  private data: Uint8Array;
  private start = 0;
  private end = 0;

  private readonly initialCapacityBytes: number;

  constructor(initialCapacityBytes = 16 * 1024) {
    this.initialCapacityBytes = initialCapacityBytes;
    this.owned = new Uint8Array(initialCapacityBytes);
    this.data = this.owned;
  }

  get length(): number {
    return this.end - this.start;
  }

  /** Appends `chunk`, which may be kept by reference: the caller must not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end === 0) {
      // A plain Uint8Array (not a Buffer) keeps subarray() on V8's fast path and views uniform.
      this.data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      this.end = chunk.length;
      return;
    }
    if (this.data !== this.owned || this.end + chunk.length > this.data.length) this.makeRoom(chunk.length);
    this.data.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The byte at `offset` from the read cursor (caller checks offset < length). */
  at(offset: number): number {
    return this.data[this.start + offset] as number;
  }

  /** Offset (from the read cursor) of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from = 0, limit = this.length): number {
    const data = this.data;
    const stop = this.start + Math.min(limit, this.length);
    // Headers are a few bytes long: look at those in a loop, beyond them call the builtin scan.
    const nearStop = Math.min(stop, this.start + from + SHORT_SCAN_BYTES);
    for (let at = this.start + from; at < nearStop; at++) if (data[at] === byte) return at - this.start;
    if (nearStop === stop) return -1;
    const found = data.indexOf(byte, nearStop);
    return found === -1 || found >= stop ? -1 : found - this.start;
  }

  /** Bytes [from, to) relative to the cursor as a strict decimal (decimal.ts), or null. */
  integer(from: number, to: number): number | null {
    return parseSafeIntegerIn(this.data, this.start + from, this.start + to);
  }

  /** A view of bytes [from, to) relative to the cursor; valid only until the next push. */
  view(from: number, to: number): Uint8Array {
    return this.data.subarray(this.start + from, this.start + to);
  }

  /** An owned copy of bytes [from, to) relative to the cursor. */
  copy(from: number, to: number): Uint8Array {
    return this.data.slice(this.start + from, this.start + to);
  }

  /**
   * Bytes [from, to) relative to the cursor that stay valid after later pushes: a view when they
   * lie in a borrowed chunk (nobody writes to it again), else a copy.
   */
  keep(from: number, to: number): Uint8Array {
    return this.data === this.owned ? this.copy(from, to) : this.view(from, to);
  }

  /**
   * keep(0, count) then consume(count), without copying when the bytes lie in the queue's own
   * buffer: that buffer is handed over to the caller and the queue starts a new one for what
   * follows. For big arguments, where a copy of tens of MB held the event loop. The buffer handed
   * over is at most about twice the bytes (it grows by doubling), and lives as long as they do:
   * a request's arguments, until it is answered.
   */
  detach(count: number): Uint8Array {
    if (this.data !== this.owned) {
      const view = this.view(0, count);
      this.consume(count);
      return view;
    }
    const detached = this.owned.subarray(this.start, this.start + count);
    const rest = this.owned.subarray(this.start + count, this.end);
    this.owned = new Uint8Array(Math.max(this.initialCapacityBytes, rest.length));
    this.owned.set(rest);
    this.data = this.owned;
    this.start = 0;
    this.end = rest.length;
    return detached;
  }

  consume(count: number): void {
    this.start += count;
    if (this.start >= this.end) this.clear();
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
    this.data = this.owned;
  }

  private makeRoom(extra: number): void {
    const live = this.end - this.start;
    const borrowed = this.data !== this.owned;
    if (live + extra <= this.owned.length) {
      if (borrowed) this.owned.set(this.data.subarray(this.start, this.end));
      else if (this.start > 0) this.owned.copyWithin(0, this.start, this.end);
    } else {
      const grown = new Uint8Array(Math.max(this.owned.length * 2, live + extra));
      grown.set(this.data.subarray(this.start, this.end));
      this.owned = grown;
    }
    this.data = this.owned;
    this.start = 0;
    this.end = live;
  }
}
