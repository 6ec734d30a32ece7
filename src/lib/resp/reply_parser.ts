/**
 * Incremental parser of server replies (the client side): RESP2 types plus the RESP3 types a
 * server may send after HELLO 3 (null, double, boolean, map, set, verbatim string, big number,
 * push). Feed bytes with push(), then call next() until 'incomplete'. A partly received nested
 * reply is parsed again from its start when more bytes arrive; bulk payloads are skipped by length,
 * so that costs one pass over the headers.
 */
import { ByteQueue } from './byte_queue.js';
import { parseBigInteger, parseSafeInteger } from './decimal.js';
import { RESP_MAX_ARRAY_LENGTH, RESP_MAX_BULK_BYTES } from './request_parser.js';
import { fromUtf8, type ParseStep, type RespValue } from './resp_types.js';

/** Deepest nesting accepted, so a hostile server cannot blow the stack. */
export const RESP_MAX_REPLY_DEPTH = 64;

const CR = 0x0d;
const LF = 0x0a;

type Parsed = { value: RespValue; end: number } | 'incomplete' | { error: string };

export class RespReplyParser {
  private readonly queue = new ByteQueue();
  private failure: string | null = null;

  /** The parser may keep `chunk` by reference: do not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (this.failure === null) this.queue.push(chunk);
  }

  next(): ParseStep<RespValue> {
    if (this.failure !== null) return { kind: 'error', message: this.failure };
    if (this.queue.length === 0) return { kind: 'incomplete' };
    const parsed = this.parse(0, 0);
    if (parsed === 'incomplete') return { kind: 'incomplete' };
    if ('error' in parsed) {
      this.failure = parsed.error;
      this.queue.clear();
      return { kind: 'error', message: parsed.error };
    }
    this.queue.consume(parsed.end);
    return { kind: 'value', value: parsed.value };
  }

  private parse(at: number, depth: number): Parsed {
    if (depth > RESP_MAX_REPLY_DEPTH) return { error: 'Protocol error: reply nested too deeply' };
    const lf = this.queue.indexOf(LF, at);
    if (lf === -1) return 'incomplete';
    if (lf - 1 <= at || this.queue.at(lf - 1) !== CR) return { error: 'Protocol error: line without CRLF' };
    const type = this.queue.at(at);
    const line = this.queue.view(at + 1, lf - 1);
    const end = lf + 1;
    switch (type) {
      case 0x2b: // +
        return { value: { type: 'simple', value: fromUtf8(line) }, end };
      case 0x2d: // -
        return { value: { type: 'error', message: fromUtf8(line) }, end };
      case 0x3a: // :
      case 0x28: // ( big number
        return this.parseInteger(line, end);
      case 0x24: // $
      case 0x3d: // = verbatim
        return this.parseBulk(line, end, type === 0x3d);
      case 0x2a: // *
      case 0x7e: // ~ set
      case 0x3e: // > push
        return this.parseAggregate(line, end, depth, 1);
      case 0x25: // %
        return this.parseAggregate(line, end, depth, 2);
      case 0x5f: // _
        return { value: { type: 'null' }, end };
      case 0x23: // #
        return { value: { type: 'boolean', value: line[0] === 0x74 }, end };
      case 0x2c: // ,
        return { value: { type: 'double', value: parseDouble(fromUtf8(line)) }, end };
      default:
        return { error: `Protocol error: unknown reply type '${String.fromCharCode(type)}'` };
    }
  }

  private parseInteger(line: Uint8Array, end: number): Parsed {
    const big = parseBigInteger(line);
    if (big === null) return { error: 'Protocol error: invalid integer' };
    const small = Number(big);
    return { value: { type: 'integer', value: Number.isSafeInteger(small) ? small : big }, end };
  }

  private parseBulk(line: Uint8Array, end: number, verbatim: boolean): Parsed {
    const length = parseSafeInteger(line);
    if (length === -1) return { value: { type: 'null' }, end };
    if (length === null || length < 0 || length > RESP_MAX_BULK_BYTES) {
      return { error: 'Protocol error: invalid bulk length' };
    }
    if (this.queue.length < end + length + 2) return 'incomplete';
    if (this.queue.at(end + length) !== CR || this.queue.at(end + length + 1) !== LF) {
      return { error: 'Protocol error: expected CRLF after bulk string' };
    }
    // A verbatim string starts with a three-letter format and a colon ("txt:"): drop them.
    const skip = verbatim && length >= 4 ? 4 : 0;
    return { value: { type: 'bulk', value: this.queue.copy(end + skip, end + length) }, end: end + length + 2 };
  }

  private parseAggregate(line: Uint8Array, end: number, depth: number, perEntry: 1 | 2): Parsed {
    const count = parseSafeInteger(line);
    if (count === -1) return { value: { type: 'null' }, end };
    if (count === null || count < 0 || count > RESP_MAX_ARRAY_LENGTH) {
      return { error: 'Protocol error: invalid multibulk length' };
    }
    const items: RespValue[] = [];
    let at = end;
    for (let i = 0; i < count * perEntry; i++) {
      const item = this.parse(at, depth + 1);
      if (item === 'incomplete' || 'error' in item) return item;
      items.push(item.value);
      at = item.end;
    }
    if (perEntry === 1) return { value: { type: 'array', items }, end: at };
    const entries: Array<[RespValue, RespValue]> = [];
    for (let i = 0; i < items.length; i += 2) entries.push([items[i] as RespValue, items[i + 1] as RespValue]);
    return { value: { type: 'map', entries }, end: at };
  }
}

function parseDouble(text: string): number {
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
