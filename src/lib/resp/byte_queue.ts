/**
 * A growable byte buffer with a read cursor: bytes are appended at the end and consumed from the
 * front. Compacts in place before growing, so steady pipelined traffic reuses one allocation.
 */
export class ByteQueue {
  private data: Uint8Array;
  private start = 0;
  private end = 0;

  constructor(initialCapacityBytes = 16 * 1024) {
    this.data = new Uint8Array(initialCapacityBytes);
  }

  get length(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.data.length) this.makeRoom(chunk.length);
    this.data.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The byte at `offset` from the read cursor (caller checks offset < length). */
  at(offset: number): number {
    return this.data[this.start + offset] as number;
  }

  /** Offset (from the read cursor) of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from = 0, limit = this.length): number {
    const stop = this.start + Math.min(limit, this.length);
    const found = this.data.indexOf(byte, this.start + from);
    return found === -1 || found >= stop ? -1 : found - this.start;
  }

  /** A view of bytes [from, to) relative to the cursor; valid only until the next push. */
  view(from: number, to: number): Uint8Array {
    return this.data.subarray(this.start + from, this.start + to);
  }

  /** An owned copy of bytes [from, to) relative to the cursor. */
  copy(from: number, to: number): Uint8Array {
    return this.data.slice(this.start + from, this.start + to);
  }

  consume(count: number): void {
    this.start += count;
    if (this.start >= this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  clear(): void {
    this.start = 0;
    this.end = 0;
  }

  private makeRoom(extra: number): void {
    const live = this.end - this.start;
    if (live + extra <= this.data.length && this.start > 0) {
      this.data.copyWithin(0, this.start, this.end);
    } else {
      const grown = new Uint8Array(Math.max(this.data.length * 2, live + extra));
      grown.set(this.data.subarray(this.start, this.end));
      this.data = grown;
    }
    this.start = 0;
    this.end = live;
  }
}
