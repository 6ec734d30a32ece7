/**
 * Little binary writer and reader used by the command, result and snapshot codecs: varints for
 * lengths and counts, length-prefixed byte strings, 64-bit signed integers. No JSON on the hot path.
 */

export class CodecError extends Error {
  override name = 'CodecError';
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Capacity a reused writer shrinks back to after carrying something large. */
const SCRATCH_KEEP_BYTES = 1024 * 1024;

export class BinaryWriter {
  private data: Uint8Array;
  private view: DataView | null = null;
  private length = 0;
  private readonly initialCapacityBytes: number;

  constructor(initialCapacityBytes = 64) {
    this.initialCapacityBytes = initialCapacityBytes;
    this.data = new Uint8Array(initialCapacityBytes);
  }

  /** The bytes written, as the caller's own; the writer is empty again and may be reused. */
  finish(): Uint8Array {
    const data = this.data;
    const length = this.length;
    this.length = 0;
    if (data.length <= SCRATCH_KEEP_BYTES) return data.slice(0, length);
    // A buffer this big is not kept for reuse: hand it over rather than copy it (a 60 MB value
    // held the event loop for each copy), unless that would pin much unused room with it.
    this.data = new Uint8Array(this.initialCapacityBytes);
    this.view = null;
    return length * 4 >= data.length * 3 ? data.subarray(0, length) : data.slice(0, length);
  }

  u8(value: number): this {
    this.reserve(1);
    this.data[this.length++] = value;
    return this;
  }

  /** An unsigned integer up to 2^53 - 1, seven bits per byte. */
  varint(value: number): this {
    this.reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.data[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.data[this.length++] = rest;
    return this;
  }

  i64(value: bigint): this {
    this.reserve(8);
    this.view ??= new DataView(this.data.buffer);
    this.view.setBigInt64(this.length, value, true);
    this.length += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.varint(value.length);
    return this.raw(value);
  }

  /** Bytes without a length prefix (already-encoded parts). */
  raw(value: Uint8Array): this {
    this.reserve(value.length);
    this.data.set(value, this.length);
    this.length += value.length;
    return this;
  }

  string(value: string): this {
    return this.bytes(textEncoder.encode(value));
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const grown = new Uint8Array(Math.max(this.data.length * 2, this.length + extra));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
    this.view = null;
  }
}

/** Reads what BinaryWriter wrote; throws CodecError on truncated or malformed input. */
export class BinaryReader {
  private readonly data: Uint8Array;
  /** Made on the first i64(): most inputs hold none, and readers are made per message. */
  private dataView: DataView | null = null;
  private offset = 0;

  constructor(data: Uint8Array) {
    this.data = data;
  }

  get done(): boolean {
    return this.offset === this.data.length;
  }

  get position(): number {
    return this.offset;
  }

  u8(): number {
    if (this.offset >= this.data.length) throw new CodecError('truncated input');
    return this.data[this.offset++] as number;
  }

  varint(): number {
    const first = this.data[this.offset];
    if (first !== undefined && first < 0x80) {
      this.offset++; // one byte: most lengths and counts
      return first;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new CodecError('varint out of range');
        return value;
      }
      scale *= 0x80;
    }
    throw new CodecError('varint too long');
  }

  i64(): bigint {
    if (this.offset + 8 > this.data.length) throw new CodecError('truncated input');
    this.dataView ??= new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    const value = this.dataView.getBigInt64(this.offset, true);
    this.offset += 8;
    return value;
  }

  /** A length-prefixed byte string, copied so it outlives the input buffer. */
  bytes(): Uint8Array {
    const length = this.varint();
    return this.raw(length).slice();
  }

  /** A length-prefixed byte string, as a view of the input (for what does not outlive it). */
  bytesView(): Uint8Array {
    return this.raw(this.varint());
  }

  /** A view of the next `length` bytes. */
  raw(length: number): Uint8Array {
    if (this.offset + length > this.data.length) throw new CodecError('truncated input');
    const out = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  string(): string {
    const length = this.varint();
    try {
      return textDecoder.decode(this.raw(length));
    } catch {
      throw new CodecError('invalid utf-8');
    }
  }

  /** A count of items that each take at least one byte: refuses counts the input cannot hold. */
  count(): number {
    const n = this.varint();
    if (n > this.data.length - this.offset) throw new CodecError('count exceeds input');
    return n;
  }
}
