/**
 * The HTTP/JSON API over a real socket (through the HTTP/1.1 front end) in front of a state
 * machine backend: the routes, binary-safe keys, and clear 4xx answers to bad input while the
 * server keeps serving.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeProposal } from '../../../src/kv/command_codec.js';
import { ANSWER_BYTES_MAX } from '../../../src/kv/index.js';
import { HttpServer } from '../../../src/server/http/http_server.js';
import { StateMachineBackend } from '../resp/state_machine_backend.js';

const BODY_LIMIT_BYTES = 64 * 1024;

let backend: StateMachineBackend;
let server: HttpServer;
let base: string;

beforeEach(async () => {
  backend = new StateMachineBackend();
  server = await HttpServer.start({ backend, port: 0, bodyMaxBytes: BODY_LIMIT_BYTES });
  base = `http://127.0.0.1:${server.address().port}`;
});

afterEach(async () => {
  await server.close();
});

async function call(method: string, path: string, body?: string | Uint8Array): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${base}${path}`, { method, body, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/** A request whose path is sent exactly as given (fetch would normalise `..` away). */
function rawCall(method: string, path: string, body = ''): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: server.address().port, method, path, timeout: 5_000 }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error(`no answer to ${method} ${path} within 5 s`)));
    request.end(body);
  });
}

describe('HTTP key-value routes', () => {
  it('PUT, GET, DELETE a key; 404 for a missing one', async () => {
    expect(await call('PUT', '/v1/kv/greeting', JSON.stringify({ value: 'hello' }))).toMatchObject({ status: 200, json: { ok: true } });
    expect((await call('GET', '/v1/kv/greeting')).json).toMatchObject({ key: 'greeting', value: 'hello' });
    expect((await call('DELETE', '/v1/kv/greeting')).json).toMatchObject({ deleted: 1 });
    expect((await call('DELETE', '/v1/kv/greeting')).json).toMatchObject({ deleted: 0 });
    expect(await call('GET', '/v1/kv/greeting')).toMatchObject({ status: 404, json: { error: 'key not found', key: 'greeting' } });
  });

  it('treats percent-encoded bytes and path-traversal-looking keys as plain keys', async () => {
    await call('PUT', '/v1/kv/..%2F..%2Fetc%2Fpasswd', JSON.stringify({ value: 'not a file' }));
    expect((await call('GET', '/v1/kv/..%2F..%2Fetc%2Fpasswd')).json).toMatchObject({ key: '../../etc/passwd', value: 'not a file' });
    // Raw slashes and dots are part of the key too: nothing is normalised or read from disk.
    await rawCall('PUT', '/v1/kv/../../etc/shadow', JSON.stringify({ value: 'x' }));
    expect((await rawCall('GET', '/v1/kv/../../etc/shadow')).json).toMatchObject({ key: '../../etc/shadow', value: 'x' });
    // Binary keys and values: %00 and %FF are single bytes; base64 carries binary values.
    await call('PUT', '/v1/kv/%00%FFbin?encoding=base64', JSON.stringify({ value: Buffer.from([0, 1, 255]).toString('base64') }));
    const got = await call('GET', '/v1/kv/%00%FFbin?encoding=base64');
    expect(got.json).toMatchObject({ key: Buffer.from([0, 255, 0x62, 0x69, 0x6e]).toString('base64'), value: 'AAH/', encoding: 'base64' });
    const stored = backend.machine.query(new Uint8Array()); // the machine stays usable after all of it
    expect(stored).toBeInstanceOf(Uint8Array);
  });

  it('compares and sets: null expects absence; a mismatch reports the current value', async () => {
    expect((await call('POST', '/v1/kv/lock/cas', JSON.stringify({ expected: null, value: 'me' }))).json).toMatchObject({ swapped: true, value: 'me', encoding: 'utf8' });
    expect((await call('POST', '/v1/kv/lock/cas', JSON.stringify({ expected: null, value: 'you' }))).json).toMatchObject({ swapped: false, value: 'me' });
    expect((await call('POST', '/v1/kv/lock/cas', JSON.stringify({ expected: 'me', value: 'you' }))).json).toMatchObject({ swapped: true, value: 'you' });
    expect(await call('POST', '/v1/kv/lock/cas', JSON.stringify({ value: 'x' }))).toMatchObject({ status: 400 });
  });

  it('lists by prefix in pages until the cursor is null, glob characters taken literally', async () => {
    for (let i = 0; i < 25; i++) await call('PUT', `/v1/kv/user%3A${i}`, JSON.stringify({ value: `v${i}` }));
    await call('PUT', '/v1/kv/other', JSON.stringify({ value: 'o' }));
    await call('PUT', '/v1/kv/star*key', JSON.stringify({ value: 's' }));
    const seen = new Map<string, string>();
    let cursor: string | null = '0';
    for (let page = 0; cursor !== null && page < 50; page++) {
      const { json } = await call('GET', `/v1/kv?prefix=user%3A&limit=7&cursor=${cursor}`);
      const items = json.items as Array<{ key: string; value: string }>;
      expect(items.length).toBeLessThanOrEqual(8);
      for (const item of items) seen.set(item.key, item.value);
      cursor = json.cursor as string | null;
    }
    expect(seen.size).toBe(25);
    expect(seen.get('user:3')).toBe('v3');
    expect((await call('GET', '/v1/kv?prefix=star*')).json.items).toEqual([{ key: 'star*key', value: 's', encoding: 'utf8' }]);
    expect((await call('GET', '/v1/kv?prefix=st*')).json.items).toEqual([]);
    expect(await call('GET', '/v1/kv?limit=0')).toMatchObject({ status: 400 });
  });

  it('serves stale reads on request and reports health and cluster status', async () => {
    await call('PUT', '/v1/kv/k', JSON.stringify({ value: 'v' }));
    const reads = backend.readCalls;
    expect((await call('GET', '/v1/kv/k?consistency=stale')).json).toMatchObject({ value: 'v' });
    expect(backend.readCalls).toBe(reads + 1);
    expect(await call('GET', '/v1/kv/k?consistency=sometimes')).toMatchObject({ status: 400 });
    expect(await call('GET', '/health')).toMatchObject({ status: 200, json: { status: 'ok', leader: 1 } });
    expect((await call('GET', '/v1/cluster')).json).toMatchObject({ node: 1, role: 'leader', leader: 1, term: 3, commitIndex: 1 });
    backend.followerOf = 0;
    expect(await call('GET', '/health')).toMatchObject({ status: 503, json: { status: 'unavailable' } });
  });

  it('answers 503 with the leader hint when the node cannot serve (no forwarding backend)', async () => {
    backend.followerOf = 2;
    const answer = await call('GET', '/v1/kv/k');
    expect(answer).toMatchObject({ status: 503, json: { leader: 2, address: '127.0.0.1:7002' } });
    expect(answer.headers.get('retry-after')).toBe('1');
  });
});

describe('HTTP binary keys and values: what is stored is what is answered', () => {
  const base64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

  it('answers a value that is not UTF-8 in base64 and says so, though text was asked for', async () => {
    await call('PUT', '/v1/kv/bin?encoding=base64', JSON.stringify({ value: 'AP8A' }));
    await call('PUT', '/v1/kv/text', JSON.stringify({ value: 'h\u00e9' }));
    // The key is text, but one encoding covers the whole object: both come in base64.
    expect(await call('GET', '/v1/kv/bin')).toMatchObject({ status: 200, json: { key: 'Ymlu', value: 'AP8A', encoding: 'base64' } });
    expect((await call('GET', '/v1/kv/text')).json).toMatchObject({ key: 'text', value: 'h\u00e9', encoding: 'utf8' });
    expect((await call('GET', '/v1/kv/text?encoding=base64')).json).toMatchObject({ key: 'dGV4dA==', value: 'aMOp', encoding: 'base64' });
    const missed = await call('POST', '/v1/kv/bin/cas', JSON.stringify({ expected: 'other', value: 'x' }));
    expect(missed.json).toMatchObject({ swapped: false, value: 'AP8A', encoding: 'base64' });
    expect((await call('POST', '/v1/kv/gone/cas', JSON.stringify({ expected: 'other', value: 'x' }))).json).toMatchObject({ swapped: false, value: null, encoding: 'utf8' });
  });

  it('percent-decodes a key to exactly its bytes: %FF is one byte, not U+FFFD', async () => {
    await call('PUT', '/v1/kv/%FF', JSON.stringify({ value: 'the 0xFF key' }));
    expect((await call('GET', '/v1/kv/%FF')).json).toMatchObject({ key: base64([0xff]), value: base64([...Buffer.from('the 0xFF key')]), encoding: 'base64' });
    expect(await call('GET', '/v1/kv/%EF%BF%BD')).toMatchObject({ status: 404, json: { key: '\ufffd', encoding: 'utf8' } });
    expect(await call('GET', '/v1/kv/%FE')).toMatchObject({ status: 404, json: { key: base64([0xfe]), encoding: 'base64' } });
    // Any byte string a RESP client can set is reachable over HTTP under its %XX spelling.
    const everyByte = Array.from({ length: 256 }, (_, byte) => byte);
    const set = { type: 'set', key: Uint8Array.from(everyByte), value: Uint8Array.from([0xc3]), condition: 'always', returnOld: false } as const;
    expect(await backend.write(encodeProposal([{ session: null, command: set }]))).toMatchObject({ ok: true });
    const spelled = everyByte.map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    expect((await call('GET', `/v1/kv/${spelled}`)).json).toMatchObject({ key: base64(everyByte), value: 'ww==', encoding: 'base64' });
  });

  it('answers 400 to a page whose values would pass ANSWER_BYTES_MAX, and serves a smaller page', async () => {
    const valueBytes = 1024 * 1024;
    const count = Math.floor(ANSWER_BYTES_MAX / valueBytes) + 1;
    const value = new Uint8Array(valueBytes).fill(0x62);
    const sets = Array.from({ length: count }, (_, i) => ({
      session: null,
      command: { type: 'set', key: new TextEncoder().encode(`big:${i}`), value, condition: 'always', returnOld: false } as const,
    }));
    expect(await backend.write(encodeProposal(sets))).toMatchObject({ ok: true });
    const refused = await call('GET', `/v1/kv?prefix=big%3A&limit=${count}`);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(new RegExp(`^ERR the answer would be \\d+ bytes, over the limit of ${ANSWER_BYTES_MAX} for one command`));
    const page = await call('GET', '/v1/kv?prefix=big%3A&limit=2');
    expect(page.status).toBe(200);
    expect((page.json.items as Array<{ value: string }>).map((item) => item.value.length)).toEqual([valueBytes, valueBytes]);
  });

  it('lists each item in text when it is UTF-8 and in base64, saying so, when it is not', async () => {
    await call('PUT', '/v1/kv/p%3Atext', JSON.stringify({ value: 'plain' }));
    await call('PUT', '/v1/kv/p%3Abin-value?encoding=base64', JSON.stringify({ value: 'AP8A' }));
    await call('PUT', '/v1/kv/p%3A%FF', JSON.stringify({ value: 'binary key' }));
    const byKey = (items: unknown): unknown[] => (items as Array<{ key: string }>).sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(byKey((await call('GET', '/v1/kv?prefix=p%3A')).json.items)).toEqual([
      { key: 'cDpiaW4tdmFsdWU=', value: 'AP8A', encoding: 'base64' },
      { key: 'cDr/', value: base64([...Buffer.from('binary key')]), encoding: 'base64' },
      { key: 'p:text', value: 'plain', encoding: 'utf8' },
    ]);
    expect(byKey((await call('GET', '/v1/kv?prefix=p%3A&encoding=base64')).json.items)).toEqual([
      { key: 'cDp0ZXh0', value: 'cGxhaW4=', encoding: 'base64' },
      { key: 'cDpiaW4tdmFsdWU=', value: 'AP8A', encoding: 'base64' },
      { key: 'cDr/', value: base64([...Buffer.from('binary key')]), encoding: 'base64' },
    ]);
  });
});

describe('HTTP bad input', () => {
  it('answers clear 4xx errors and keeps serving', async () => {
    expect(await call('PUT', '/v1/kv/k', '{"value": ')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^invalid JSON body/) } });
    expect(await call('PUT', '/v1/kv/k', '')).toMatchObject({ status: 400 });
    expect(await call('PUT', '/v1/kv/k', '[1,2]')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/JSON object/) } });
    expect(await call('PUT', '/v1/kv/k', '{"val": "x"}')).toMatchObject({ status: 400, json: { error: 'the body needs "value"' } });
    expect(await call('PUT', '/v1/kv/k', '{"value": 42}')).toMatchObject({ status: 400, json: { error: '"value" must be a string' } });
    expect(await call('PUT', '/v1/kv/k?encoding=base64', '{"value": "***"}')).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/kv/bad%zz')).toMatchObject({ status: 400, json: { error: 'bad percent-encoding in the key' } });
    expect(await call('PUT', '/v1/kv/', '{"value": "x"}')).toMatchObject({ status: 400, json: { error: 'the key is empty: use /v1/kv/{key}' } });
    expect(await call('DELETE', '/v1/kv/')).toMatchObject({ status: 400, json: { error: 'the key is empty: use /v1/kv/{key}' } });
    expect(await call('PUT', '/v1/kv', '{"value": "x"}')).toMatchObject({ status: 405 });
    expect((await call('GET', '/v1/kv/')).json).toMatchObject({ items: [], cursor: null });
    expect(await call('PATCH', '/v1/kv/k', '{}')).toMatchObject({ status: 405 });
    expect(await call('GET', '/v2/anything')).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/kv?cursor=abc')).toMatchObject({ status: 400 });
    const tooBig = await call('PUT', '/v1/kv/k', JSON.stringify({ value: 'x'.repeat(BODY_LIMIT_BYTES) }));
    expect(tooBig).toMatchObject({ status: 413, json: { limitBytes: BODY_LIMIT_BYTES } });
    // Still serving.
    expect(await call('PUT', '/v1/kv/k', '{"value": "fine"}')).toMatchObject({ status: 200 });
    expect((await call('GET', '/v1/kv/k')).json).toMatchObject({ value: 'fine' });
    // Half a surrogate pair is valid JSON but no text: refused, not stored as U+FFFD; a whole pair is fine.
    const lone = { status: 400, json: { error: '"value" holds a lone UTF-16 surrogate, which is not text: send such bytes in base64 (?encoding=base64)' } };
    expect(await call('PUT', '/v1/kv/k', '{"value": "a\\ud800"}')).toMatchObject(lone);
    expect(await call('PUT', '/v1/kv/k', '{"value": "\\udc00b"}')).toMatchObject(lone);
    expect(await call('PUT', '/v1/kv/pair', '{"value": "\\ud83d\\ude00"}')).toMatchObject({ status: 200 });
    expect((await call('GET', '/v1/kv/pair')).json).toMatchObject({ value: '\u{1F600}' });
  });

  it('refuses a body streamed past the limit without a content-length, and a garbage request line', async () => {
    const chunked = await fetch(`${base}/v1/kv/k`, {
      method: 'PUT',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(BODY_LIMIT_BYTES / 2));
          controller.close();
        },
      }),
      duplex: 'half',
      signal: AbortSignal.timeout(5_000),
    } as RequestInit).catch((error: unknown) => error);
    // Either the 413 arrives or the connection is cut while the client still sends: never a 200.
    if (chunked instanceof Response) expect(chunked.status).toBe(413);
    const garbage = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.address().port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('no answer to garbage within 5 s')), 5_000).unref();
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    expect((await call('GET', '/health')).status).toBe(200);
  });
});
