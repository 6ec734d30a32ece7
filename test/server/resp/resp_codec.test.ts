import { describe, expect, it } from 'vitest';
import {
  encodeCommand,
  encodeReply,
  fromUtf8,
  resp,
  RespReplyParser,
  RespRequestParser,
  utf8,
  type RespValue,
} from '../../../src/lib/resp/index.js';
import { Prng } from '../../../src/lib/prng.js';

function requests(parser: RespRequestParser): string[][] {
  const out: string[][] = [];
  for (;;) {
    const step = parser.next();
    if (step.kind === 'incomplete') return out;
    if (step.kind === 'error') throw new Error(step.message);
    out.push(step.kind === 'oversized' ? [`<oversized argument of ${step.argumentBytes} bytes>`] : step.value.map(fromUtf8));
  }
}

function parseAll(text: string): string[][] {
  const parser = new RespRequestParser();
  parser.push(utf8(text));
  return requests(parser);
}

function parseError(text: string, limits = {}): string {
  const parser = new RespRequestParser(limits);
  parser.push(utf8(text));
  for (;;) {
    const step = parser.next();
    if (step.kind === 'error') return step.message;
    if (step.kind === 'incomplete') return 'incomplete';
  }
}

describe('request parser', () => {
  it('reads pipelined multibulk commands from one chunk', () => {
    expect(parseAll('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n')).toEqual([
      ['GET', 'k'],
      ['SET', 'k', ''],
    ]);
  });

  it('keeps binary bytes of bulk strings intact', () => {
    const parser = new RespRequestParser();
    parser.push(new Uint8Array([...utf8('*1\r\n$4\r\n'), 0, 0x0d, 0x0a, 0xff, 0x0d, 0x0a]));
    const step = parser.next();
    expect(step.kind === 'value' && [...(step.value[0] as Uint8Array)]).toEqual([0, 0x0d, 0x0a, 0xff]);
  });

  it('assembles a command fed one byte at a time, whatever the split (seeded)', () => {
    const seed = Number(process.env.SEED) || Date.now() % 1_000_000;
    console.log(`request parser split seed=${seed} (replay: SEED=${seed} npx vitest run test/server/resp/resp_codec.test.ts)`);
    const random = new Prng(seed);
    const text = '*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$11\r\nhello world\r\nPING\r\n*1\r\n$4\r\nPING\r\n';
    const bytes = utf8(text);
    const parser = new RespRequestParser();
    const got: string[][] = [];
    let at = 0;
    while (at < bytes.length) {
      const size = random.int(1, 7);
      parser.push(bytes.subarray(at, at + size));
      at += size;
      got.push(...requests(parser));
    }
    expect(got, `seed=${seed}`).toEqual([['SET', 'hello', 'hello world'], ['PING'], ['PING']]);
  });

  it('reads inline commands with quotes and escapes, as telnet and nc send them', () => {
    expect(parseAll('SET k "a value"\r\n')).toEqual([['SET', 'k', 'a value']]);
    expect(parseAll("set k 'it\\'s'\n")).toEqual([['set', 'k', "it's"]]);
    expect(parseAll('set k "line\\nbreak \\x41\\"q\\""\n')).toEqual([['set', 'k', 'line\nbreak A"q"']]);
    expect(parseAll('\r\n\r\n  PING  \r\n')).toEqual([['PING']]);
    expect(parseAll('set k ""\n')).toEqual([['set', 'k', '']]);
  });

  it('refuses unbalanced quotes in inline commands', () => {
    expect(parseError('SET k "open\r\n')).toBe('Protocol error: unbalanced quotes in request');
    expect(parseError('SET k "a"b\r\n')).toBe('Protocol error: unbalanced quotes in request');
  });

  it('refuses a 600 MB declared bulk before any payload arrives', () => {
    expect(parseError('*2\r\n$3\r\nSET\r\n$600000000\r\n')).toBe('Protocol error: invalid bulk length');
  });

  it('refuses malformed frames with the Redis error texts', () => {
    expect(parseError('*2\r\n+GET\r\n')).toBe("Protocol error: expected '$', got '+'");
    expect(parseError('*x\r\n')).toBe('Protocol error: invalid multibulk length');
    expect(parseError('*99999999\r\n')).toBe('Protocol error: invalid multibulk length');
    expect(parseError('*1\r\n$-5\r\n')).toBe('Protocol error: invalid bulk length');
    expect(parseError('*1\r\n$abc\r\n')).toBe('Protocol error: invalid bulk length');
    expect(parseError('*1\r\n$2\r\nabcd\r\n')).toBe('Protocol error: expected CRLF after bulk string');
    expect(parseError('x'.repeat(100), { maxInlineBytes: 64 })).toBe('Protocol error: too big inline request');
  });

  it('reads past an argument longer than maxKeptBulkBytes without holding it, whatever the split, and goes on', () => {
    const seed = Number(process.env.SEED) || Date.now() % 1_000_000;
    console.log(`oversized split seed=${seed} (replay: SEED=${seed} npx vitest run test/server/resp/resp_codec.test.ts)`);
    const random = new Prng(seed);
    const big = 'v'.repeat(5_000);
    const bytes = utf8(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${big.length}\r\n${big}\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`);
    const parser = new RespRequestParser({ maxKeptBulkBytes: 1_000 });
    const got: string[][] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = random.int(1, 700);
      parser.push(bytes.subarray(at, at + size));
      at += size;
      got.push(...requests(parser));
      expect(parser.bufferedBytes, `seed=${seed}`).toBeLessThan(1_000); // never holds the big argument
    }
    expect(got, `seed=${seed}`).toEqual([['<oversized argument of 5000 bytes>'], ['GET', 'k']]);
    // Its CRLF is still checked: a wrong length is a protocol error, as for any bulk.
    const bad = new RespRequestParser({ maxKeptBulkBytes: 2 });
    bad.push(utf8('*1\r\n$4\r\nabcdef\r\n'));
    expect(bad.next()).toEqual({ kind: 'error', message: 'Protocol error: expected CRLF after bulk string' });
  });

  it('stays failed after an error', () => {
    const parser = new RespRequestParser();
    parser.push(utf8('*1\r\n$-5\r\n'));
    expect(parser.next().kind).toBe('error');
    parser.push(utf8('PING\r\n'));
    expect(parser.next().kind).toBe('error');
  });
});

describe('reply parser and writer', () => {
  const samples: RespValue[] = [
    resp.ok(),
    resp.error('ERR something'),
    resp.integer(42),
    resp.integer(-9223372036854775808n),
    resp.bulk('hello'),
    resp.bulk(new Uint8Array([0, 13, 10, 255])),
    resp.null(),
    resp.array([resp.bulk('a'), resp.null(), resp.array([resp.integer(1)])]),
  ];

  it('round-trips every RESP2 value', () => {
    for (const value of samples) {
      const parser = new RespReplyParser();
      parser.push(encodeReply(value));
      expect(parser.next()).toEqual({ kind: 'value', value });
    }
  });

  it('writes RESP3 nulls and maps after HELLO 3, flat arrays under RESP2', () => {
    const map = resp.map([[resp.bulk('proto'), resp.integer(3)]]);
    expect(fromUtf8(encodeReply(map, 3))).toBe('%1\r\n$5\r\nproto\r\n:3\r\n');
    expect(fromUtf8(encodeReply(map, 2))).toBe('*2\r\n$5\r\nproto\r\n:3\r\n');
    expect(fromUtf8(encodeReply(resp.null(), 3))).toBe('_\r\n');
    const parser = new RespReplyParser();
    parser.push(encodeReply(map, 3));
    expect(parser.next()).toEqual({ kind: 'value', value: map });
  });

  it('waits for a reply split across chunks', () => {
    const bytes = encodeReply(samples[7] as RespValue);
    const parser = new RespReplyParser();
    for (let i = 0; i < bytes.length - 1; i++) {
      parser.push(bytes.subarray(i, i + 1));
      expect(parser.next().kind).toBe('incomplete');
    }
    parser.push(bytes.subarray(bytes.length - 1));
    expect(parser.next()).toEqual({ kind: 'value', value: samples[7] });
  });

  it('never lets an error text forge another reply line', () => {
    expect(fromUtf8(encodeReply(resp.error('ERR a\r\n+OK')))).toBe('-ERR a +OK\r\n');
  });

  it('encodes client commands that the request parser reads back', () => {
    const parser = new RespRequestParser();
    parser.push(encodeCommand(['SET', 'k', new Uint8Array([1, 2])]));
    const step = parser.next();
    expect(step.kind === 'value' && step.value.map((a) => [...a])).toEqual([[83, 69, 84], [107], [1, 2]]);
  });
});
