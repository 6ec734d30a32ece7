/**
 * Incremental parser of client requests, as a Redis server reads them: RESP multibulk arrays of
 * bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or inline lines (`GET k\r\n`, as telnet sends).
 * Feed bytes with push(), then call next() until it says 'incomplete'. Many commands may arrive in
 * one chunk (pipelining) and one command may span many chunks. Declared sizes are checked against
 * the limits before any payload is buffered, so a client announcing a 600 MB bulk is refused at once.
 * After an error the parser stays failed: the connection must be closed.
 */
import { ByteQueue } from './byte_queue.js';
import { splitInline } from './inline_split.js';
import type { ParseStep } from './resp_types.js';

/** Largest bulk string accepted (Redis' proto-max-bulk-len default). */
export const RESP_MAX_BULK_BYTES = 512 * 1024 * 1024;
/** Most elements in one request array (Redis allows more; a million arguments is plenty). */
export const RESP_MAX_ARRAY_LENGTH = 1024 * 1024;
/** Longest inline command line and longest `*`/`$` header line (Redis' PROTO_INLINE_MAX_SIZE). */
export const RESP_MAX_INLINE_BYTES = 64 * 1024;
/** Most unparsed bytes held for one connection (Redis' client-query-buffer-limit). */
export const RESP_MAX_BUFFERED_BYTES = 1024 * 1024 * 1024;

export interface RequestParserLimits {
  maxBulkBytes: number;
  /**
   * A bulk longer than this (and within maxBulkBytes) is read past without being kept, and its
   * request comes out as an 'oversized' step: a node refuses it without holding or copying tens of
   * MB (which kept the leader from its heartbeats long enough to be deposed). Infinity: keep all.
   */
  maxKeptBulkBytes: number;
  maxArrayLength: number;
  maxInlineBytes: number;
  maxBufferedBytes: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestParserLimits = {
  maxBulkBytes: RESP_MAX_BULK_BYTES,
  maxKeptBulkBytes: Number.POSITIVE_INFINITY,
  maxArrayLength: RESP_MAX_ARRAY_LENGTH,
  maxInlineBytes: RESP_MAX_INLINE_BYTES,
  maxBufferedBytes: RESP_MAX_BUFFERED_BYTES,
};

/** A bulk this big takes over the buffer it was read into instead of being copied out (ByteQueue.detach). */
const DETACH_BULK_MIN_BYTES = 64 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;

/** A request, or a request with an argument past maxKeptBulkBytes (the size of its largest such argument, and that limit). */
export type RequestStep = ParseStep<Uint8Array[]> | { kind: 'oversized'; argumentBytes: number; limitBytes: number };

type Header = { kind: 'ok'; value: number; consumed: number } | { kind: 'incomplete' } | { kind: 'error'; message: string };

export class RespRequestParser {
  private readonly limits: RequestParserLimits;
  private readonly queue = new ByteQueue();
  /** Arguments of the multibulk request being read, or null between requests. */
  private args: Uint8Array[] | null = null;
  private remaining = 0;
  /** Declared length of the bulk being read, or -1 when its `$` header is still to come. */
  private bulkLength = -1;
  /** Bytes of an oversized bulk still to read past (see maxKeptBulkBytes). */
  private skipBytes = 0;
  /** The largest oversized argument of the request being read; 0 for none. */
  private oversizedBytes = 0;
  private failure: string | null = null;

  constructor(limits: Partial<RequestParserLimits> = {}) {
    this.limits = { ...DEFAULT_REQUEST_LIMITS, ...limits };
  }

  /** Unparsed bytes held. */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /** The parser may keep `chunk` by reference (arguments can be views of it): do not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (this.failure === null) this.queue.push(chunk);
  }

  next(): RequestStep {
    if (this.failure !== null) return { kind: 'error', message: this.failure };
    const step = this.args === null ? this.startRequest() : this.continueMultibulk();
    if (step.kind === 'error') {
      this.failure = step.message;
      this.queue.clear();
    } else if (step.kind === 'incomplete' && this.queue.length > this.limits.maxBufferedBytes) {
      return this.fail('Protocol error: query buffer limit exceeded');
    }
    return step;
  }

  private fail(message: string): ParseStep<Uint8Array[]> {
    this.failure = message;
    this.queue.clear();
    return { kind: 'error', message };
  }

  private startRequest(): RequestStep {
    for (;;) {
      if (this.queue.length === 0) return { kind: 'incomplete' };
      if (this.queue.at(0) !== STAR) {
        const inline = this.readInline();
        // Empty inline lines are skipped, as Redis does (telnet users press enter twice).
        if (inline.kind === 'value' && inline.value.length === 0) continue;
        return inline;
      }
      const header = this.readHeader('Protocol error: too big mbulk count string');
      if (header.kind !== 'ok') return header;
      if (header.value > this.limits.maxArrayLength || Number.isNaN(header.value)) {
        return { kind: 'error', message: 'Protocol error: invalid multibulk length' };
      }
      this.queue.consume(header.consumed);
      if (header.value <= 0) continue; // `*0` and `*-1` are ignored, as Redis does
      this.args = [];
      this.remaining = header.value;
      return this.continueMultibulk();
    }
  }

  private continueMultibulk(): RequestStep {
    const args = this.args as Uint8Array[];
    while (this.remaining > 0) {
      if (this.bulkLength < 0) {
        if (this.queue.length === 0) return { kind: 'incomplete' };
        const first = this.queue.at(0);
        if (first !== DOLLAR) {
          return { kind: 'error', message: `Protocol error: expected '$', got '${String.fromCharCode(first)}'` };
        }
        const header = this.readHeader('Protocol error: too big bulk count string');
        if (header.kind !== 'ok') return header;
        if (!(header.value >= 0 && header.value <= this.limits.maxBulkBytes)) {
          return { kind: 'error', message: 'Protocol error: invalid bulk length' };
        }
        this.queue.consume(header.consumed);
        this.bulkLength = header.value;
        if (header.value > this.limits.maxKeptBulkBytes) {
          this.skipBytes = header.value;
          this.oversizedBytes = Math.max(this.oversizedBytes, header.value);
        }
      }
      if (this.skipBytes > 0) {
        const skipped = Math.min(this.skipBytes, this.queue.length);
        this.queue.consume(skipped);
        this.skipBytes -= skipped;
        if (this.skipBytes > 0) return { kind: 'incomplete' };
        this.bulkLength = 0; // what is left of it is its CRLF; an empty argument stands in for it
      }
      if (this.queue.length < this.bulkLength + 2) return { kind: 'incomplete' };
      if (this.queue.at(this.bulkLength) !== CR || this.queue.at(this.bulkLength + 1) !== LF) {
        return { kind: 'error', message: 'Protocol error: expected CRLF after bulk string' };
      }
      if (this.bulkLength >= DETACH_BULK_MIN_BYTES) {
        args.push(this.queue.detach(this.bulkLength));
        this.queue.consume(2);
      } else {
        args.push(this.queue.keep(0, this.bulkLength));
        this.queue.consume(this.bulkLength + 2);
      }
      this.bulkLength = -1;
      this.remaining--;
    }
    this.args = null;
    if (this.oversizedBytes > 0) {
      const argumentBytes = this.oversizedBytes;
      this.oversizedBytes = 0;
      return { kind: 'oversized', argumentBytes, limitBytes: this.limits.maxKeptBulkBytes };
    }
    return { kind: 'value', value: args };
  }

  /** Reads a `*N\r\n` or `$N\r\n` line; NaN value when N is not a number. */
  private readHeader(tooLong: string): Header {
    const lf = this.queue.indexOf(LF, 1, this.limits.maxInlineBytes);
    if (lf === -1) {
      return this.queue.length > this.limits.maxInlineBytes ? { kind: 'error', message: tooLong } : { kind: 'incomplete' };
    }
    if (lf < 2 || this.queue.at(lf - 1) !== CR) {
      const what = this.queue.at(0) === STAR ? 'multibulk' : 'bulk';
      return { kind: 'error', message: `Protocol error: invalid ${what} length` };
    }
    const value = this.queue.integer(1, lf - 1);
    return { kind: 'ok', value: value ?? Number.NaN, consumed: lf + 1 };
  }

  private readInline(): ParseStep<Uint8Array[]> {
    const lf = this.queue.indexOf(LF, 0, this.limits.maxInlineBytes);
    if (lf === -1) {
      return this.queue.length > this.limits.maxInlineBytes
        ? { kind: 'error', message: 'Protocol error: too big inline request' }
        : { kind: 'incomplete' };
    }
    const end = lf > 0 && this.queue.at(lf - 1) === CR ? lf - 1 : lf;
    const split = splitInline(this.queue.view(0, end));
    this.queue.consume(lf + 1);
    if (!split.ok) return { kind: 'error', message: split.message };
    return { kind: 'value', value: split.args };
  }
}
