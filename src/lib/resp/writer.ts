/**
 * Serializes RESP values and client commands into one growable buffer, so a pipeline's replies
 * leave in one write. RESP2 by default; RESP3 only changes null, map and boolean.
 */
import type { RespProtocol, RespValue } from './resp_types.js';

const CR = 0x0d;
const LF = 0x0a;
const textEncoder = new TextEncoder();
/** Capacity a reused writer shrinks back to after carrying something large. */
const KEEP_CAPACITY_BYTES = 1024 * 1024;

export class RespWriter {
  private data: Uint8Array;
  private length = 0;
  private readonly initialCapacityBytes: number;

  constructor(initialCapacityBytes = 4096) {
    this.initialCapacityBytes = initialCapacityBytes;
    this.data = new Uint8Array(initialCapacityBytes);
  }

  get size(): number {
    return this.length;
  }

  /** The bytes written so far; the writer starts empty again. */
  take(): Uint8Array {
    const out = this.data.slice(0, this.length);
    this.length = 0;
    if (this.data.length > KEEP_CAPACITY_BYTES) this.data = new Uint8Array(this.initialCapacityBytes);
    return out;
  }

  value(value: RespValue, protocol: RespProtocol = 2): this {
    switch (value.type) {
      case 'simple':
        return this.line('+', sanitizeLine(value.value));
      case 'error':
        return this.line('-', sanitizeLine(value.message));
      case 'integer':
        return this.line(':', value.value.toString());
      case 'bulk':
        return this.bulk(value.value);
      case 'null':
        return protocol === 3 ? this.line('_', '') : this.line('$', '-1');
      case 'array':
        this.line('*', String(value.items.length));
        for (const item of value.items) this.value(item, protocol);
        return this;
      case 'map':
        this.line(protocol === 3 ? '%' : '*', String(value.entries.length * (protocol === 3 ? 1 : 2)));
        for (const [key, item] of value.entries) this.value(key, protocol).value(item, protocol);
        return this;
      case 'double':
        return protocol === 3 ? this.line(',', formatDouble(value.value)) : this.bulk(textEncoder.encode(formatDouble(value.value)));
      case 'boolean':
        return protocol === 3 ? this.line('#', value.value ? 't' : 'f') : this.line(':', value.value ? '1' : '0');
    }
  }

  /** A client command: an array of bulk strings. */
  command(args: ReadonlyArray<string | Uint8Array>): this {
    this.line('*', String(args.length));
    for (const arg of args) this.bulk(typeof arg === 'string' ? textEncoder.encode(arg) : arg);
    return this;
  }

  bulk(bytes: Uint8Array): this {
    this.line('$', String(bytes.length));
    this.reserve(bytes.length + 2);
    this.data.set(bytes, this.length);
    this.length += bytes.length;
    return this.crlf();
  }

  private line(prefix: string, text: string): this {
    this.reserve(text.length * 3 + 3);
    const data = this.data;
    let at = this.length;
    data[at++] = prefix.charCodeAt(0);
    // Most lines are short ASCII ("OK", lengths, numbers): a loop beats a call into the encoder.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        at = this.length + 1 + textEncoder.encodeInto(text, data.subarray(this.length + 1)).written;
        break;
      }
      data[at++] = c;
    }
    this.length = at;
    return this.crlf();
  }

  /** Writes CR LF; callers reserved room for it. */
  private crlf(): this {
    this.data[this.length++] = CR;
    this.data[this.length++] = LF;
    return this;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const grown = new Uint8Array(Math.max(this.data.length * 2, this.length + extra));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

/** Simple strings and errors cannot hold CR or LF: a line break would forge another reply. */
function sanitizeLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]+/g, ' ') : text;
}

function formatDouble(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return String(value);
}

export function encodeReply(value: RespValue, protocol: RespProtocol = 2): Uint8Array {
  return new RespWriter(64).value(value, protocol).take();
}

export function encodeCommand(args: ReadonlyArray<string | Uint8Array>): Uint8Array {
  return new RespWriter(64).command(args).take();
}
