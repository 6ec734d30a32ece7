/**
 * HTTP/1.1 requests out of a connection's bytes, one at a time: the head (request_head.ts), then
 * the body by Content-Length or decoded from `chunked`. Pull-driven: push() stores bytes and
 * next() returns the next event or null until more bytes come, so the connection decides how many
 * requests it takes in (pipelining bound) and the bytes after them simply wait here.
 *
 * Chunk-size lines and trailers are held to the rules of the head (CRLF line ends, no control
 * characters, well-formed field lines), and chunk extensions to a total, though all are ignored.
 * A refusal (bad framing, a head or body over its limit) is final: the connection answers it and
 * closes, since where the next request would start is unknown.
 */
import { fieldLineProblem, parseRequestHead, type RequestHead, type Refusal } from './request_head.js';

export interface RequestParserLimits {
  /** Request line plus headers (and a chunked body's trailers), CRLFs included. */
  headMaxBytes: number;
  bodyMaxBytes: number;
}

export interface ParsedRequest {
  method: string;
  url: string;
  body: Uint8Array;
  http10: boolean;
  keepAlive: boolean;
}

export type ParseEvent =
  | { type: 'request'; request: ParsedRequest }
  /** The head asked for `100 Continue` and none of the body has come yet. */
  | { type: 'continue' }
  | { type: 'refused'; refusal: Refusal };

/** Where the request in progress stands, for the connection's timeouts. */
export type ParsePhase = 'between-requests' | 'head' | 'body';

/** Longest chunk-size line (hex digits plus chunk extensions, which are ignored). */
export const CHUNK_SIZE_LINE_MAX_BYTES = 4096;
/**
 * Chunk extensions of one body in all: they are read and thrown away, so without a bound a body
 * of one-byte chunks with long extensions costs thousands of bytes of parsing per byte it carries.
 */
export const CHUNK_EXTENSIONS_MAX_BYTES = 16 * 1024;

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailers' | 'refused';

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = new Uint8Array(0);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** After a chunk size: optional spaces or tabs, then extensions (`;...`) without control characters. */
const CHUNK_EXTENSIONS = /^[ \t]*(?:;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;
/** In a trailer line: control characters other than tab (a lone CR included). */
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;

export class HttpRequestParser {
  private readonly limits: RequestParserLimits;
  /** Unconsumed bytes are buffer[offset, buffer.length). */
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** Where the search for the end of the head goes on (bytes before it were searched). */
  private headSearchFrom = 0;
  /** Owned memory for joining bytes split across reads; the buffer is a view of it when joined. */
  private scratch: Buffer | null = null;
  private bufferInScratch = false;
  private state: State = 'head';
  private head: RequestHead | null = null;
  /** The body so far is body[0, bodyBytes): grown by doubling, never past bodyCapBytes. */
  private body: Buffer | null = null;
  private bodyBytes = 0;
  /** The declared length, or the body limit for a chunked body. */
  private bodyCapBytes = 0;
  /** Bytes left of the fixed-length body or of the current chunk. */
  private remainingBytes = 0;
  private trailerBytes = 0;
  private extensionBytes = 0;

  constructor(limits: RequestParserLimits) {
    this.limits = limits;
  }

  push(chunk: Buffer): void {
    if (this.state === 'refused') return;
    const leftover = this.buffer.length - this.offset;
    if (leftover === 0) {
      this.buffer = chunk;
      this.offset = 0;
      this.headSearchFrom = 0;
      this.bufferInScratch = false;
      return;
    }
    // Joining is rare (a head or chunk line split across reads, or requests left while the
    // connection's queue was full). The scratch doubles, so a head sent a byte at a time costs
    // linear copying, not quadratic. A body handed on as a view lies before buffer.length,
    // which appending never overwrites.
    if (this.bufferInScratch && this.scratch !== null && this.buffer.length + chunk.length <= this.scratch.length) {
      chunk.copy(this.scratch, this.buffer.length);
      this.buffer = this.scratch.subarray(0, this.buffer.length + chunk.length);
      return;
    }
    const joined = Buffer.allocUnsafeSlow(Math.max(2 * (leftover + chunk.length), 1024));
    this.buffer.copy(joined, 0, this.offset);
    chunk.copy(joined, leftover);
    this.headSearchFrom = Math.max(0, this.headSearchFrom - this.offset);
    this.scratch = joined;
    this.buffer = joined.subarray(0, leftover + chunk.length);
    this.bufferInScratch = true;
    this.offset = 0;
  }

  /** For the connection's timeouts: whether a request has begun and how far it got. */
  get phase(): ParsePhase {
    if (this.state === 'head') return this.offset < this.buffer.length ? 'head' : 'between-requests';
    return this.state === 'refused' ? 'between-requests' : 'body';
  }

  next(): ParseEvent | null {
    for (;;) {
      switch (this.state) {
        case 'head': {
          const event = this.readHead();
          if (event !== undefined) return event;
          break;
        }
        case 'body':
        case 'chunk-data':
          if (!this.readBodyBytes()) return null;
          if (this.state === 'body') return this.finishRequest();
          this.state = 'chunk-data-end';
          break;
        case 'chunk-data-end': {
          if (this.buffer.length - this.offset < 2) return null;
          if (this.buffer[this.offset] !== CR || this.buffer[this.offset + 1] !== LF) return this.refuse(400, 'chunk data not followed by CRLF');
          this.offset += 2;
          this.state = 'chunk-size';
          break;
        }
        case 'chunk-size': {
          const event = this.readChunkSize();
          if (event !== undefined) return event;
          break;
        }
        case 'trailers': {
          const event = this.readTrailer();
          if (event !== undefined) return event;
          break;
        }
        case 'refused':
          return null;
      }
    }
  }

  /** undefined: the state moved on, go on; null: more bytes needed. */
  private readHead(): ParseEvent | null | undefined {
    // Empty lines before a request line are ignored (some clients send CRLF after a body).
    while (this.buffer.length - this.offset >= 2 && this.buffer[this.offset] === CR && this.buffer[this.offset + 1] === LF) this.offset += 2;
    if (this.offset === this.buffer.length) return null;
    const from = Math.max(this.offset, this.headSearchFrom);
    const end = this.buffer.indexOf(HEAD_END, from);
    if (end === -1) {
      this.headSearchFrom = Math.max(this.offset, this.buffer.length - 3);
      if (this.buffer.length - this.offset > this.limits.headMaxBytes) return this.refuseHeadTooLarge();
      if (hasBareLineFeed(this.buffer, from, this.offset)) return this.refuse(400, 'bare LF in the request head (lines end in CRLF)');
      return null;
    }
    if (end + 4 - this.offset > this.limits.headMaxBytes) return this.refuseHeadTooLarge();
    const outcome = parseRequestHead(this.buffer.toString('latin1', this.offset, end));
    this.offset = end + 4;
    if (!outcome.ok) return this.refuseWith(outcome.refusal);
    const head = outcome.head;
    this.head = head;
    this.body = null;
    this.bodyBytes = 0;
    switch (head.framing.kind) {
      case 'none':
        return this.finishRequest();
      case 'length': {
        const length = head.framing.bytes;
        if (length > this.limits.bodyMaxBytes) return this.refuseBodyTooLarge();
        if (this.buffer.length - this.offset >= length) {
          // The usual case: the whole body came with the head, and is passed on without a copy.
          this.body = this.buffer.subarray(this.offset, this.offset + length);
          this.bodyBytes = length;
          this.offset += length;
          return this.finishRequest();
        }
        this.state = 'body';
        this.remainingBytes = length;
        this.bodyCapBytes = length;
        break;
      }
      case 'chunked':
        this.state = 'chunk-size';
        this.trailerBytes = 0;
        this.extensionBytes = 0;
        this.bodyCapBytes = this.limits.bodyMaxBytes;
        break;
    }
    return head.expectContinue && this.offset === this.buffer.length ? { type: 'continue' } : undefined;
  }

  /**
   * Copies up to remainingBytes into the body; true once they are all here. Copied, not kept as
   * views of the reads: a body of many tiny chunks would otherwise cost an object per chunk.
   */
  private readBodyBytes(): boolean {
    const taken = Math.min(this.buffer.length - this.offset, this.remainingBytes);
    if (taken === 0) return this.remainingBytes === 0;
    const needed = this.bodyBytes + taken;
    if (this.body === null || this.body.length < needed) {
      // Doubling keeps copies linear; growing with what arrives (not the declared length at once)
      // keeps clients that declare large bodies and send little from costing memory.
      const grown = Buffer.allocUnsafe(Math.min(this.bodyCapBytes, Math.max(needed, 2 * (this.body?.length ?? 0), 1024)));
      this.body?.copy(grown, 0, 0, this.bodyBytes);
      this.body = grown;
    }
    this.buffer.copy(this.body, this.bodyBytes, this.offset, this.offset + taken);
    this.bodyBytes = needed;
    this.offset += taken;
    this.remainingBytes -= taken;
    return this.remainingBytes === 0;
  }

  private readChunkSize(): ParseEvent | null | undefined {
    const line = this.takeLine(CHUNK_SIZE_LINE_MAX_BYTES);
    if (line === null) return null;
    if (typeof line !== 'string') return line;
    let size = 0;
    let digits = 0;
    for (; digits < line.length; digits++) {
      const value = hexValue(line.charCodeAt(digits));
      if (value < 0) break;
      size = size * 16 + value;
      if (this.bodyBytes + size > this.limits.bodyMaxBytes) return this.refuseBodyTooLarge();
    }
    if (digits === 0 || !CHUNK_EXTENSIONS.test(line.slice(digits))) return this.refuse(400, `malformed chunk size line '${line.slice(0, 40)}'`);
    this.extensionBytes += line.length - digits;
    if (this.extensionBytes > CHUNK_EXTENSIONS_MAX_BYTES) return this.refuse(400, `chunk extensions longer than ${CHUNK_EXTENSIONS_MAX_BYTES} bytes in all`);
    if (size === 0) {
      this.state = 'trailers';
      return undefined;
    }
    this.state = 'chunk-data';
    this.remainingBytes = size;
    return undefined;
  }

  private readTrailer(): ParseEvent | null | undefined {
    const line = this.takeLine(this.limits.headMaxBytes - this.trailerBytes);
    if (line === null) return null;
    if (typeof line !== 'string') return line;
    if (line === '') return this.finishRequest();
    this.trailerBytes += line.length + 2;
    // Ignored, but held to the rules of header lines: a peer that reads them differently must
    // not find the end of this request anywhere else.
    if (CONTROL_CHARACTER.test(line)) return this.refuse(400, 'control character or bare CR in a trailer line');
    const problem = fieldLineProblem(line, line.indexOf(':'));
    return problem === null ? undefined : this.refuse(400, `in the trailers: ${problem}`);
  }

  /** One CRLF-terminated line as latin1 text without the CRLF; null until it is complete. */
  private takeLine(maxBytes: number): string | ParseEvent | null {
    const lf = this.buffer.indexOf(LF, this.offset);
    if (lf === -1) return this.buffer.length - this.offset > maxBytes ? this.refuseLineTooLong() : null;
    if (lf === this.offset || this.buffer[lf - 1] !== CR) return this.refuse(400, 'bare LF in a chunked body (lines end in CRLF)');
    if (lf + 1 - this.offset > maxBytes) return this.refuseLineTooLong();
    const line = this.buffer.toString('latin1', this.offset, lf - 1);
    this.offset = lf + 1;
    return line;
  }

  private finishRequest(): ParseEvent {
    const head = this.head as RequestHead;
    const body = this.body === null ? EMPTY : this.body.subarray(0, this.bodyBytes);
    this.head = null;
    this.body = null;
    this.state = 'head';
    this.headSearchFrom = this.offset;
    return { type: 'request', request: { method: head.method, url: head.url, body, http10: head.http10, keepAlive: head.keepAlive } };
  }

  private refuseHeadTooLarge(): ParseEvent {
    return this.refuseWith({ status: 431, message: `request line and headers larger than the limit of ${this.limits.headMaxBytes} bytes`, extra: { limitBytes: this.limits.headMaxBytes } });
  }

  private refuseLineTooLong(): ParseEvent {
    if (this.state !== 'trailers') return this.refuse(400, `chunk size line longer than ${CHUNK_SIZE_LINE_MAX_BYTES} bytes`);
    const limit = this.limits.headMaxBytes;
    return this.refuseWith({ status: 431, message: `trailers larger than the limit of ${limit} bytes`, extra: { limitBytes: limit } });
  }

  private refuseBodyTooLarge(): ParseEvent {
    const limit = this.limits.bodyMaxBytes;
    return this.refuseWith({ status: 413, message: `request body larger than the limit of ${limit} bytes (HTTP_BODY_MAX_BYTES)`, extra: { limitBytes: limit } });
  }

  private refuse(status: number, message: string): ParseEvent {
    return this.refuseWith({ status, message });
  }

  private refuseWith(refusal: Refusal): ParseEvent {
    this.state = 'refused';
    this.buffer = Buffer.alloc(0);
    this.offset = 0;
    this.scratch = null;
    this.bufferInScratch = false;
    this.body = null;
    return { type: 'refused', refusal };
  }
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** An LF not preceded by CR in buffer[from, end), where from >= start of the head. */
function hasBareLineFeed(buffer: Buffer, from: number, headStart: number): boolean {
  for (let lf = buffer.indexOf(LF, from); lf !== -1; lf = buffer.indexOf(LF, lf + 1)) {
    if (lf === headStart || buffer[lf - 1] !== CR) return true;
  }
  return false;
}
