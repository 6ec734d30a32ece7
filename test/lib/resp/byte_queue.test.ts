import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../../src/lib/resp/byte_queue.js';
import { fromUtf8, utf8 } from '../../../src/lib/resp/resp_types.js';
import { RespRequestParser } from '../../../src/lib/resp/request_parser.js';

describe('byte queue', () => {
  it('reads a chunk pushed into an empty queue in place, and never writes into it', () => {
    const queue = new ByteQueue(8);
    const chunk = utf8('hello world');
    const before = chunk.slice();
    queue.push(chunk);
    const kept = queue.keep(0, 5);
    expect(kept.buffer).toBe(chunk.buffer); // a view, no copy
    queue.consume(6);
    queue.push(utf8('and more bytes than the queue holds'));
    expect(fromUtf8(queue.view(0, 5))).toBe('world');
    expect(fromUtf8(kept)).toBe('hello');
    expect(chunk).toEqual(before);
  });

  it('copies what it keeps from its own buffer, which later pushes reuse', () => {
    const queue = new ByteQueue(64);
    queue.push(utf8('ab'));
    queue.push(utf8('cd')); // the queue now reads its own buffer
    const kept = queue.keep(0, 4);
    queue.consume(3);
    queue.push(utf8('efgh'));
    queue.consume(queue.length);
    queue.push(utf8('x'));
    queue.push(utf8('yyyy'));
    expect(fromUtf8(kept)).toBe('abcd');
  });

  it('grows past its capacity and keeps the unread bytes in order', () => {
    const queue = new ByteQueue(4);
    queue.push(utf8('0123'));
    queue.consume(1);
    queue.push(utf8('456789'));
    queue.push(utf8('abcdef'));
    expect(fromUtf8(queue.view(0, queue.length))).toBe('123456789abcdef');
    expect(queue.indexOf(0x61)).toBe(9);
    expect(queue.integer(0, 3)).toBe(123);
  });

  it('finds a byte near the cursor and far from it, within the limit only', () => {
    const queue = new ByteQueue();
    queue.push(utf8(`xx${'a'.repeat(40)}\n${'b'.repeat(10)}\n`));
    queue.consume(2);
    expect(queue.indexOf(0x0a)).toBe(40);
    expect(queue.indexOf(0x0a, 41)).toBe(51);
    expect(queue.indexOf(0x0a, 0, 40)).toBe(-1);
    expect(queue.indexOf(0x0a, 0, 41)).toBe(40);
    expect(queue.indexOf(0x62, 0, 8)).toBe(-1);
    expect(queue.indexOf(0x7a)).toBe(-1);
  });

  it('hands out request arguments that survive later chunks, whatever the split', () => {
    const text = '*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n'.repeat(3);
    const bytes = utf8(text);
    for (let split = 1; split < bytes.length; split++) {
      const parser = new RespRequestParser();
      const parsed: Uint8Array[][] = [];
      for (const chunk of [bytes.slice(0, split), bytes.slice(split)]) {
        parser.push(chunk);
        for (let step = parser.next(); step.kind === 'value'; step = parser.next()) parsed.push(step.value);
      }
      expect(parsed.map((args) => args.map(fromUtf8))).toEqual(Array.from({ length: 3 }, () => ['SET', 'key', '0123456789']));
    }
  });

  it('hands a detached run of its own buffer over without a copy, and reads on from a new buffer', () => {
    const queue = new ByteQueue(4);
    queue.push(utf8('ab'));
    queue.push(utf8('cdefgh')); // in the queue's own buffer now
    queue.consume(1);
    const detached = queue.detach(4);
    expect(fromUtf8(detached)).toBe('bcde');
    queue.push(utf8('ijkl')); // must not land in the detached bytes
    expect(fromUtf8(detached)).toBe('bcde');
    expect(fromUtf8(queue.view(0, queue.length))).toBe('fghijkl');
    // From a borrowed chunk it is a view of that chunk, like keep().
    const borrowed = new ByteQueue();
    const chunk = utf8('xyz');
    borrowed.push(chunk);
    expect(borrowed.detach(2).buffer).toBe(chunk.buffer);
    expect(fromUtf8(borrowed.view(0, borrowed.length))).toBe('z');
  });

  it('gives a big bulk argument that arrived in many chunks the buffer it was read into', () => {
    const value = new Uint8Array(256 * 1024).map((_, i) => i & 0xff);
    const bytes = Buffer.concat([utf8(`*2\r\n$3\r\nSET\r\n$${value.length}\r\n`), value, utf8('\r\n*1\r\n$4\r\nPING\r\n')]);
    const parser = new RespRequestParser();
    const parsed: Uint8Array[][] = [];
    for (let at = 0; at < bytes.length; at += 10_000) {
      parser.push(bytes.slice(at, at + 10_000));
      for (let step = parser.next(); step.kind === 'value'; step = parser.next()) parsed.push(step.value);
    }
    expect(parsed.map((args) => fromUtf8(args[0] as Uint8Array))).toEqual(['SET', 'PING']);
    const big = parsed[0]?.[1] as Uint8Array;
    expect(Buffer.from(big.buffer, big.byteOffset, big.length).equals(value)).toBe(true);
    // A view into the queue's former buffer (which also held what followed), not a copy of its own.
    expect(big.buffer.byteLength).toBeGreaterThan(big.length);
  });
});
