/**
 * Byte-level building blocks of the socket codec: unsigned LEB128 varints for every number (Raft
 * terms and indexes are small most of the time, so most take one or two bytes) and raw byte runs.
 * Numbers go up to Number.MAX_SAFE_INTEGER, which needs at most 8 varint bytes.
 */
import { assert } from '../lib/assert.js';

/** 7 bits per byte: 8 bytes carry 56 bits, enough for any safe integer (53 bits). */
export const VARINT_BYTES_MAX = 8;

const TWO_POW_28 = 0x1000_0000;

export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < TWO_POW_28) return 4;
  let size = 4;
  let rest = Math.floor(value / TWO_POW_28);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 0x80);
  }
  return size;
}

/** Checks a number is encodable; a violation is a bug in whoever built the message. */
export function assertWireNumber(value: number, field: string): void {
  assert(Number.isSafeInteger(value) && value >= 0, () => `${field} must be a non-negative safe integer, got ${value}`);
}

/** Writes into a buffer sized beforehand (encoders compute the exact size first). */
export class WireWriter {
  readonly bytes: Uint8Array;
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
  }

  byte(value: number): void {
    this.bytes[this.offset++] = value;
  }

  varint(value: number): void {
    const bytes = this.bytes;
    let offset = this.offset;
    // Bitwise fast path below 2^31; arithmetic above, because JS bit operators truncate to 32 bits.
    while (value >= 0x8000_0000) {
      bytes[offset++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    while (value >= 0x80) {
      bytes[offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    bytes[offset++] = value;
    this.offset = offset;
  }

  raw(data: Uint8Array): void {
    this.bytes.set(data, this.offset);
    this.offset += data.length;
  }
}

/** Why a payload could not be read; thrown inside the reader and turned into a value by the codec. */
export class WireFailure {
  readonly reason: 'truncated' | 'malformed';
  readonly detail: string;

  constructor(reason: 'truncated' | 'malformed', detail: string) {
    this.reason = reason;
    this.detail = detail;
  }
}

/** Reads one payload; every read is bounds-checked, so garbage can only produce a WireFailure. */
export class WireReader {
  private readonly bytes: Uint8Array;
  private offset: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  byte(what: string): number {
    if (this.offset >= this.end) throw new WireFailure('truncated', `payload ends before ${what}`);
    return this.bytes[this.offset++] as number;
  }

  varint(what: string): number {
    const bytes = this.bytes;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < VARINT_BYTES_MAX; i++) {
      if (this.offset >= this.end) throw new WireFailure('truncated', `payload ends inside ${what}`);
      const b = bytes[this.offset++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) throw new WireFailure('malformed', `${what} exceeds 2^53`);
        return value;
      }
      scale *= 0x80;
    }
    throw new WireFailure('malformed', `${what} is a varint longer than ${VARINT_BYTES_MAX} bytes`);
  }

  /** A count of items each at least `minItemBytes` long: bounded by what is left, so no huge arrays. */
  count(what: string, minItemBytes: number): number {
    const n = this.varint(what);
    if (n * minItemBytes > this.remaining) {
      throw new WireFailure('truncated', `${what} ${n} cannot fit in the ${this.remaining} bytes left`);
    }
    return n;
  }

  /**
   * A length-prefixed byte run, as a view into the payload: the reader is given a payload it owns
   * (one copy per frame), which is much cheaper than one small allocation per entry.
   */
  bytesField(what: string): Uint8Array {
    const length = this.varint(`${what} length`);
    if (length > this.remaining) {
      throw new WireFailure('truncated', `${what} of ${length} bytes but only ${this.remaining} left`);
    }
    const data = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return data;
  }
}
