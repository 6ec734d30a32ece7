import { describe, expect, it } from 'vitest';
import { fromUtf8, resp, utf8 } from '../../../src/lib/resp/resp_types.js';
import { RespWriter } from '../../../src/lib/resp/writer.js';

describe('RESP writer', () => {
  it('writes lines with non-ASCII text as UTF-8, after an ASCII start', () => {
    const out = new RespWriter(4).value(resp.error('ERR clé «x»')).value(resp.simple('né\r\nOK')).take();
    expect(fromUtf8(out)).toBe('-ERR clé «x»\r\n+né OK\r\n');
  });

  it('is reused across takes: each take returns its own bytes and starts empty', () => {
    const writer = new RespWriter(8);
    const first = writer.value(resp.bulk(utf8('x'.repeat(100)))).take();
    const second = writer.value(resp.ok()).value(resp.integer(-12)).take();
    expect(fromUtf8(first)).toBe(`$100\r\n${'x'.repeat(100)}\r\n`);
    expect(fromUtf8(second)).toBe('+OK\r\n:-12\r\n');
    expect(writer.size).toBe(0);
  });
});
