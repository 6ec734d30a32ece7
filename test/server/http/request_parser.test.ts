/**
 * The HTTP/1.1 request parser over bytes: heads, bodies by length and chunked, requests split at
 * every byte boundary or pipelined in one read, and the refusals that stop request smuggling and
 * oversized input.
 */
import { describe, expect, it } from 'vitest';
import { parseRequestHead } from '../../../src/server/http/request_head.js';
import { CHUNK_EXTENSIONS_MAX_BYTES, HttpRequestParser, type ParseEvent } from '../../../src/server/http/request_parser.js';

const LIMITS = { headMaxBytes: 1024, bodyMaxBytes: 100 };

function parse(text: string | Buffer, limits = LIMITS): ParseEvent[] {
  const parser = new HttpRequestParser(limits);
  parser.push(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  return drain(parser);
}

function drain(parser: HttpRequestParser): ParseEvent[] {
  const events: ParseEvent[] = [];
  for (let event = parser.next(); event !== null; event = parser.next()) events.push(event);
  return events;
}

/** The same bytes fed one byte per push, events collected as they come. */
function parseByteByByte(text: string): ParseEvent[] {
  const parser = new HttpRequestParser(LIMITS);
  const events: ParseEvent[] = [];
  for (const byte of Buffer.from(text, 'latin1')) {
    parser.push(Buffer.from([byte]));
    events.push(...drain(parser));
  }
  return events;
}

function requests(events: ParseEvent[]): Array<{ method: string; url: string; body: string; keepAlive: boolean }> {
  return events.map((event) => {
    if (event.type !== 'request') throw new Error(`expected a request, got ${JSON.stringify(event)}`);
    const { method, url, body, keepAlive } = event.request;
    return { method, url, body: Buffer.from(body).toString('latin1'), keepAlive };
  });
}

function refusalOf(text: string): { status: number; message: string } | undefined {
  const last = parse(text).at(-1);
  return last?.type === 'refused' ? { status: last.refusal.status, message: last.refusal.message } : undefined;
}

const PUT = 'PUT /v1/kv/k HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n{"value":"v"}';
const CHUNKED = 'PUT /v1/kv/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"val\r\n8\r\nue":"v"}\r\n0\r\nX-Trailer: t\r\n\r\n';

describe('request parser: framing', () => {
  it('reads a request with a body, whole or a byte at a time', () => {
    const want = [{ method: 'PUT', url: '/v1/kv/k', body: '{"value":"v"}', keepAlive: true }];
    expect(requests(parse(PUT))).toEqual(want);
    expect(requests(parseByteByByte(PUT))).toEqual(want);
  });

  it('decodes a chunked body (extensions and trailers skipped), whole or a byte at a time', () => {
    const want = [{ method: 'PUT', url: '/v1/kv/k', body: '{"value":"v"}', keepAlive: true }];
    expect(requests(parse(CHUNKED))).toEqual(want);
    expect(requests(parseByteByByte(CHUNKED))).toEqual(want);
    expect(requests(parse(CHUNKED.replace('5;ext=1', '00005 ;ext')))).toEqual(want);
  });

  it('assembles bodies that arrive over many reads or in many tiny chunks', () => {
    const parser = new HttpRequestParser({ headMaxBytes: 1024, bodyMaxBytes: 10_000 });
    const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    parser.push(Buffer.from(`PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`));
    for (let at = 0; at < body.length; at += 1500) parser.push(body.subarray(at, at + 1500));
    const tiny = Array.from(body.subarray(0, 1000), (byte) => Buffer.concat([Buffer.from('1\r\n'), Buffer.from([byte]), Buffer.from('\r\n')]));
    parser.push(Buffer.concat([Buffer.from('PUT /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'), ...tiny, Buffer.from('0\r\n\r\n')]));
    const [fixed, chunked] = drain(parser);
    expect(fixed?.type === 'request' && Buffer.from(fixed.request.body).equals(body)).toBe(true);
    expect(chunked?.type === 'request' && Buffer.from(chunked.request.body).equals(body.subarray(0, 1000))).toBe(true);
  });

  it('splits pipelined requests in one read and ignores empty lines between them', () => {
    const get = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';
    const got = requests(parse(`${get}${PUT}\r\n${CHUNKED}${get}`));
    expect(got.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual(['GET /health ', 'PUT /v1/kv/k {"value":"v"}', 'PUT /v1/kv/k {"value":"v"}', 'GET /health ']);
  });

  it('holds bytes after a request until asked: the caller decides how many it takes', () => {
    const parser = new HttpRequestParser(LIMITS);
    parser.push(Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHo'));
    expect(parser.next()).toMatchObject({ type: 'request', request: { url: '/a' } });
    expect(parser.phase).toBe('head');
    expect(parser.next()).toBeNull();
    parser.push(Buffer.from('st: x\r\n\r\n'));
    expect(parser.next()).toMatchObject({ type: 'request', request: { url: '/b' } });
    expect(parser.phase).toBe('between-requests');
  });

  it('keeps HTTP/1.1 open unless told to close; HTTP/1.0 closes unless told to keep it', () => {
    expect(requests(parse('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]?.keepAlive).toBe(false);
    expect(requests(parse('GET / HTTP/1.0\r\n\r\n'))[0]?.keepAlive).toBe(false);
    expect(requests(parse('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'))[0]?.keepAlive).toBe(true);
    expect(requests(parse('GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade, close\r\n\r\n'))[0]?.keepAlive).toBe(false);
  });

  it('asks for 100 Continue only when the client waits for it', () => {
    const head = 'PUT /v1/kv/k HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 13\r\n\r\n';
    const parser = new HttpRequestParser(LIMITS);
    parser.push(Buffer.from(head));
    expect(parser.next()).toEqual({ type: 'continue' });
    expect(parser.next()).toBeNull();
    expect(parser.phase).toBe('body');
    parser.push(Buffer.from('{"value":"v"}'));
    expect(parser.next()).toMatchObject({ type: 'request', request: { body: Buffer.from('{"value":"v"}') } });
    // The body came with the head: no interim answer.
    expect(parse(`${head}{"value":"v"}`).map((e) => e.type)).toEqual(['request']);
    // Over the limit: refused before the body is sent.
    expect(parse(head.replace('13', '101')).map((e) => e.type)).toEqual(['refused']);
  });
});

describe('request parser: refusals', () => {
  it.each([
    ['both Content-Length and Transfer-Encoding', 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['two Content-Lengths, even equal', 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 400],
    ['a Content-Length list', 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc', 400],
    ['a signed Content-Length', 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc', 400],
    ['an unknown transfer coding', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
    ['chunked twice', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 501],
    ['Transfer-Encoding in HTTP/1.0', 'PUT / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['a bare LF in the head', 'GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n', 400],
    ['a head of bare LFs', 'GET / HTTP/1.1\nHost: x\n\n', 400],
    ['a bare CR', 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n', 400],
    ['a control character', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 400],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n', 400],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n', 400],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc', 400],
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n', 400],
    ['a double space in the request line', 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['a garbled version', 'GET / HTTX/1.1\r\nHost: x\r\n\r\n', 400],
    ['an unsupported version', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n', 400],
    ['an unknown expectation', 'PUT / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na', 417],
    ['a chunk size that is not hex', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['chunk data without its CRLF', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', 400],
    ['a bare LF after a chunk size', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n', 400],
    ['a bare CR in a chunk extension', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;a\rb\r\nab\r\n', 400],
    ['a NUL in a chunk extension', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;a\x00\r\nab\r\n', 400],
    ['a no-break space after a chunk size', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\xa0\r\nab\r\n', 400],
    ['a vertical tab after a chunk size', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\x0b\r\nab\r\n', 400],
    ['a bare CR in a trailer', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\rb\r\n\r\n', 400],
    ['a folded trailer', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b: c\r\n\r\n', 400],
    ['a space in a trailer name', 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX Y: a\r\n\r\n', 400],
  ])('refuses %s (%i)', (_name, text, status) => {
    expect(refusalOf(text)?.status).toBe(status);
  });

  it('is done after a refusal: later bytes are not parsed', () => {
    const parser = new HttpRequestParser(LIMITS);
    parser.push(Buffer.from('GET / HTTP/1.1\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(parser.next()).toMatchObject({ type: 'refused' });
    parser.push(Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(parser.next()).toBeNull();
  });

  it('refuses a head over the limit with 431, with or without its end in sight', () => {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(LIMITS.headMaxBytes)}\r\n\r\n`;
    expect(refusalOf(big)?.status).toBe(431);
    expect(refusalOf(big.slice(0, -4))?.status).toBe(431);
    const trailers = `PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Big: ${'a'.repeat(LIMITS.headMaxBytes)}\r\n\r\n`;
    expect(refusalOf(trailers)?.status).toBe(431);
  });

  it('takes spaces before chunk extensions, and refuses extensions over their limit in all', () => {
    const head = 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(requests(parse(`${head}2 \t\r\nab\r\n2 \t; a="b c"\r\ncd\r\n0\r\n\r\n`))[0]?.body).toBe('abcd');
    const chunk = `1;${'e'.repeat(1000)}\r\na\r\n`;
    const fits = Math.floor(CHUNK_EXTENSIONS_MAX_BYTES / 1001);
    const limits = { headMaxBytes: 1024, bodyMaxBytes: 100 };
    expect(requests(parse(`${head}${chunk.repeat(fits)}0\r\n\r\n`, limits))[0]?.body).toBe('a'.repeat(fits));
    expect(parse(`${head}${chunk.repeat(fits + 1)}0\r\n\r\n`, limits).at(-1)).toMatchObject({ type: 'refused', refusal: { status: 400 } });
  });

  it('refuses a body over the limit with 413, declared or chunked', () => {
    expect(refusalOf('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n')).toMatchObject({ status: 413 });
    expect(refusalOf('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n')).toMatchObject({ status: 413 });
    const chunk = `32\r\n${'a'.repeat(50)}\r\n`;
    expect(refusalOf(`PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}0\r\n\r\n`)).toBeUndefined();
    expect(refusalOf(`PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}1\r\n`)).toMatchObject({ status: 413 });
    expect(refusalOf('PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n')).toMatchObject({ status: 413 });
  });
});

describe('request head', () => {
  it('takes the target as sent and header values without surrounding spaces', () => {
    const outcome = parseRequestHead('DELETE /v1/kv/a%2F..?x=1 HTTP/1.1\r\nhOsT: x\r\ncontent-length:\t7 \r\nX-Empty:');
    expect(outcome).toEqual({ ok: true, head: { method: 'DELETE', url: '/v1/kv/a%2F..?x=1', http10: false, keepAlive: true, expectContinue: false, framing: { kind: 'length', bytes: 7 } } });
  });

  it.each([
    ['http://node:8080/v1/kv/a?x=1', '/v1/kv/a?x=1'],
    ['HTTPS://node', '/'],
    ['http://node?x=1', '/?x=1'],
    ['*', '*'],
    ['/v1/kv/h\xc3\xa9\xff%41', '/v1/kv/h%C3%A9%FF%41'],
  ])('reads the target %s as %s', (target, url) => {
    const outcome = parseRequestHead(`GET ${target} HTTP/1.1\r\nHost: x`);
    expect(outcome.ok && outcome.head.url).toBe(url);
  });
});
