/**
 * The HTTP front end on the wire, asserted byte by byte over raw sockets: keep-alive and close,
 * HTTP/1.0, pipelined answers in request order and pipelined requests in order of effect (after a
 * connection's first request, which runs alone), chunked bodies, 100-continue (also with curl),
 * HEAD, request targets (absolute form, raw UTF-8), refusals that close the connection, and a
 * handler that throws.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { KvCommand } from '../../../src/kv/commands.js';
import type { ProposalOutcome } from '../../../src/node/types.js';
import type { KvResultsOutcome } from '../../../src/server/resp/index.js';
import { HttpServer, type HttpServerOptions } from '../../../src/server/http/http_server.js';
import { StateMachineBackend } from '../resp/state_machine_backend.js';
import { RawClient, request } from './raw_client.js';
import { installed } from '../../support/installed.js';
import { Gate } from '../../support/gate.js';

const run = promisify(execFile);


/** Reads and writes wait while held, so later requests of a pipeline may finish first. */
class GatedBackend extends StateMachineBackend {
  private readonly reads = new Gate();
  private readonly writes = new Gate();
  /** Calls as they come, held or not. */
  readsArrived = 0;
  writesArrived = 0;
  throwOnRead = false;

  holdReads(): void {
    this.reads.hold();
  }

  releaseReads(): void {
    this.reads.release();
  }

  holdWrites(): void {
    this.writes.hold();
  }

  releaseWrites(): void {
    this.writes.release();
  }

  override async read(commands: readonly KvCommand[]): Promise<KvResultsOutcome> {
    if (this.throwOnRead) throw new Error('backend exploded');
    this.readsArrived++;
    await this.reads.pass();
    return super.read(commands);
  }

  override async write(proposal: Uint8Array): Promise<ProposalOutcome> {
    this.writesArrived++;
    await this.writes.pass();
    return super.write(proposal);
  }
}

const servers: HttpServer[] = [];
const clients: RawClient[] = [];

async function start(options: Partial<HttpServerOptions> = {}): Promise<{ backend: GatedBackend; port: number; connect: () => Promise<RawClient> }> {
  const backend = new GatedBackend();
  const server = await HttpServer.start({ backend, port: 0, bodyMaxBytes: 1024, ...options });
  servers.push(server);
  const port = server.address().port;
  return {
    backend,
    port,
    connect: async () => {
      const client = await RawClient.connect(port);
      clients.push(client);
      return client;
    },
  };
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) await server.close();
});

const put = (key: string, value: string, headers: string[] = []): string => request('PUT', `/v1/kv/${key}`, { headers, body: JSON.stringify({ value }) });

describe('HTTP connections', () => {
  it('keeps an HTTP/1.1 connection open across requests, one write per response with content-length', async () => {
    const { connect } = await start();
    const client = await connect();
    client.send(put('k', 'v1'));
    const first = await client.response();
    expect(first).toMatchObject({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'keep-alive': 'timeout=5' } });
    expect(JSON.parse(first.body)).toMatchObject({ ok: true, index: 1 });
    expect(first.headers['content-length']).toBe(String(Buffer.byteLength(first.body)));
    expect(first.headers.date).toMatch(/GMT$/);
    expect(first.headers.connection).toBeUndefined();
    client.send(request('GET', '/v1/kv/k'));
    expect(JSON.parse((await client.response()).body)).toMatchObject({ key: 'k', value: 'v1' });
    expect(client.closed).toBe(false);
  });

  it('closes after a response when the client sends Connection: close', async () => {
    const { connect } = await start();
    const client = await connect();
    client.send(request('GET', '/health', { headers: ['Connection: close'] }));
    expect(await client.response()).toMatchObject({ status: 200, headers: { connection: 'close' } });
    await client.whenClosed();
  });

  it('closes HTTP/1.0 connections unless the client asks to keep them', async () => {
    const { connect } = await start();
    const once = await connect();
    once.send('GET /health HTTP/1.0\r\n\r\n');
    expect(await once.response()).toMatchObject({ status: 200, headers: { connection: 'close' } });
    await once.whenClosed();

    const kept = await connect();
    kept.send('GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(await kept.response()).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });
    kept.send('GET /v1/cluster HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    expect(JSON.parse((await kept.response()).body)).toMatchObject({ node: 1 });
  });

  it('answers pipelined requests in request order even when a later one finishes first', async () => {
    const { backend, connect } = await start();
    const client = await answeredOnce(await connect());
    backend.holdReads();
    client.send(request('GET', '/v1/kv/a') + request('GET', '/health') + put('b', 'x'));
    // /health is answered at once (a read may run beside the held one): still it may not overtake it.
    await waitUntil(() => backend.readsArrived === 1, 'the held read');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.unread).toBe('');
    backend.releaseReads();
    const answers = await client.responses(3);
    expect(answers.map((a) => a.status)).toEqual([404, 200, 200]);
    expect(JSON.parse(answers[1]?.body ?? '')).toMatchObject({ status: 'ok' });
    expect(JSON.parse(answers[2]?.body ?? '')).toMatchObject({ ok: true });
  });

  it('runs pipelined requests in order of effect: a read sees the writes before it, a write stays out of the reads before it', async () => {
    const { backend, connect } = await start();
    const client = await answeredOnce(await connect());
    backend.holdWrites();
    client.send(put('k', 'v1') + put('j', 'v1') + request('GET', '/v1/kv/k'));
    // Writes overlap writes; the read waits for both.
    await waitUntil(() => backend.writesArrived === 2, 'both pipelined writes');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backend.readsArrived).toBe(0);
    backend.releaseWrites();
    const [first, second, read] = await client.responses(3);
    expect([first?.status, second?.status]).toEqual([200, 200]);
    expect(JSON.parse(read?.body ?? '')).toMatchObject({ key: 'k', value: 'v1' });

    backend.holdReads();
    client.send(request('GET', '/v1/kv/k') + request('GET', '/v1/kv/j') + put('k', 'v2') + request('GET', '/v1/kv/k'));
    // Reads overlap reads; the write waits for both, the last read for the write.
    await waitUntil(() => backend.readsArrived === 3, 'both pipelined reads');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backend.writesArrived).toBe(2);
    backend.releaseReads();
    const answers = await client.responses(4);
    expect(answers.map((a) => (a.status === 200 && 'value' in JSON.parse(a.body) ? JSON.parse(a.body).value : a.status))).toEqual(['v1', 'v1', 200, 'v2']);
  });

  it("runs a connection's first request alone, and pipelined ones together once an answer shows they are small", async () => {
    const { backend, connect } = await start();
    const client = await connect();
    backend.holdReads();
    client.send(request('GET', '/v1/kv/a') + request('GET', '/v1/kv/b'));
    await waitUntil(() => backend.readsArrived === 1, 'the first read');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backend.readsArrived).toBe(1);
    backend.releaseReads();
    expect((await client.responses(2)).map((a) => a.status)).toEqual([404, 404]);

    backend.holdReads();
    client.send(request('GET', '/v1/kv/a') + request('GET', '/v1/kv/b'));
    await waitUntil(() => backend.readsArrived === 4, 'both reads at once');
    backend.releaseReads();
    expect((await client.responses(2)).map((a) => a.status)).toEqual([404, 404]);
  });

  it('decodes chunked request bodies', async () => {
    const { connect } = await start();
    const client = await connect();
    const body = JSON.stringify({ value: 'in chunks' });
    client.send(`PUT /v1/kv/c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n${body.slice(0, 4)}\r\n`);
    client.send(`${(body.length - 4).toString(16)};note=x\r\n${body.slice(4)}\r\n0\r\n\r\n`);
    expect(await client.response()).toMatchObject({ status: 200 });
    client.send(request('GET', '/v1/kv/c'));
    expect(JSON.parse((await client.response()).body)).toMatchObject({ value: 'in chunks' });
  });

  it('writes 100 Continue before reading a body the client holds back, and 413 instead for one over the limit', async () => {
    const { connect } = await start();
    const client = await connect();
    const body = JSON.stringify({ value: 'after continue' });
    client.send(`PUT /v1/kv/e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
    await client.whenReceived((text) => text === 'HTTP/1.1 100 Continue\r\n\r\n', 'the interim 100 Continue');
    expect(await client.response()).toMatchObject({ status: 100 });
    client.send(body);
    expect(await client.response()).toMatchObject({ status: 200 });

    const tooBig = await connect();
    tooBig.send('PUT /v1/kv/e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n');
    const refused = await tooBig.response();
    expect(refused).toMatchObject({ status: 413, headers: { connection: 'close' } });
    expect(JSON.parse(refused.body)).toMatchObject({ limitBytes: 1024 });
    await tooBig.whenClosed();
  });

  it('answers HEAD as GET would be answered, without the body, and the connection stays usable', async () => {
    const { connect } = await start();
    const client = await connect();
    client.send(request('HEAD', '/v1/kv/k'));
    const missing = await client.response({ headOnly: true });
    expect(missing.status).toBe(404);
    expect(Number(missing.headers['content-length'])).toBeGreaterThan(0);
    client.send(put('k', 'v') + request('HEAD', '/v1/kv/k') + request('GET', '/v1/kv/k'));
    const [written] = await client.responses(1);
    expect(written?.status).toBe(200);
    const head = await client.response({ headOnly: true });
    const get = await client.response();
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(client.unread).toBe('');
  });

  it('reads a target in absolute form as its path, and raw UTF-8 bytes in a key as their %XX spelling', async () => {
    const { connect } = await start();
    const client = await connect();
    client.send(Buffer.from(put('h\u00e9llo', 'raw'), 'utf8'));
    expect(await client.response()).toMatchObject({ status: 200 });
    client.send(request('GET', '/v1/kv/h%C3%A9llo') + request('GET', 'http://test/v1/kv/h%C3%A9llo?consistency=stale') + request('GET', 'HTTP://test'));
    const [pct, absolute, root] = await client.responses(3);
    expect(JSON.parse(pct?.body ?? '')).toMatchObject({ key: 'h\u00e9llo', value: 'raw' });
    expect(JSON.parse(absolute?.body ?? '')).toMatchObject({ key: 'h\u00e9llo', value: 'raw' });
    expect(JSON.parse(root?.body ?? '')).toMatchObject({ error: 'no such endpoint: GET /' });
  });

  it('answers 500 for a request whose handler throws, and serves the next one on the same connection', async () => {
    const { backend, connect } = await start();
    const client = await connect();
    backend.throwOnRead = true;
    client.send(request('GET', '/v1/kv/k'));
    const failed = await client.response();
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({ error: 'internal error: backend exploded' });
    backend.throwOnRead = false;
    client.send(put('k', 'v'));
    expect(await client.response()).toMatchObject({ status: 200 });
  });

  it('answers a request sent just before the client closes its side, then closes', async () => {
    const { connect } = await start();
    const client = await connect();
    client.socket.end(request('GET', '/health'));
    expect(await client.response()).toMatchObject({ status: 200 });
    await client.whenClosed();
  });
});

describe('HTTP refusals close the connection', () => {
  it.each([
    ['a smuggling attempt (Content-Length and Transfer-Encoding)', 'POST /v1/kv/k/cas HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n', 400],
    ['differing Content-Lengths', 'PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}GET /health HTTP/1.1\r\nHost: t\r\n\r\n', 400],
    ['a non-digit Content-Length', 'PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: 0x2\r\n\r\n{}', 400],
    ['an unknown transfer coding', 'PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
    ['an unsupported version', 'GET /health HTTP/3.0\r\nHost: t\r\n\r\n', 505],
    ['a header line without a colon', 'GET /health HTTP/1.1\r\nHost: t\r\nJust words\r\n\r\n', 400],
    ['bare LF line ends', 'GET /health HTTP/1.1\nHost: t\n\n', 400],
    ['a bare CR in a chunk extension', 'PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2;a\rb\r\n{}\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n', 400],
    ['a chunk size followed by other than spaces and a semicolon', 'PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\xa0\r\n{}\r\n0\r\n\r\n', 400],
    ['a bare CR in a trailer', 'PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX: a\rb\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n', 400],
  ])('refuses %s, answers nothing after it, and closes', async (_name, bytes, status) => {
    const { connect } = await start();
    const client = await connect();
    client.send(bytes);
    const refused = await client.response();
    expect(refused).toMatchObject({ status, headers: { connection: 'close', 'content-type': 'application/json; charset=utf-8' } });
    expect(JSON.parse(refused.body)).toHaveProperty('error');
    await client.whenClosed();
    expect(client.unread).toBe('');
  });

  it('answers the requests before a refused one first', async () => {
    const { connect } = await start();
    const client = await connect();
    client.send(`${request('GET', '/health')}GET /health HTTP/1.1\r\n\r\n`);
    expect((await client.responses(2)).map((r) => r.status)).toEqual([200, 400]);
    await client.whenClosed();
  });
});

const hasCurl = installed('curl');
if (!hasCurl) console.log('curl not installed: skipping the curl tests of the HTTP port');

describe.skipIf(!hasCurl)('curl against the HTTP port', () => {
  it('PUTs a body after 100 Continue and a chunked one', async () => {
    const { port } = await start({ bodyMaxBytes: 64 * 1024 });
    const base = `http://127.0.0.1:${port}`;
    const value = 'x'.repeat(4000);
    const curl = (...args: string[]) => run('curl', ['-sS', '--max-time', '10', ...args], { timeout: 15_000 });
    // curl sends Expect: 100-continue by itself only for some bodies and versions: ask for it.
    const sent = await curl('-v', '-X', 'PUT', '-H', 'Expect: 100-continue', '--data-binary', JSON.stringify({ value }), `${base}/v1/kv/big`);
    expect(sent.stderr).toMatch(/HTTP\/1\.1 100 Continue/);
    expect(JSON.parse(sent.stdout)).toMatchObject({ ok: true });
    const chunked = await curl('-X', 'PUT', '-H', 'Transfer-Encoding: chunked', '--data-binary', JSON.stringify({ value: 'chunky' }), `${base}/v1/kv/small`);
    expect(JSON.parse(chunked.stdout)).toMatchObject({ ok: true });
    const both = await curl(`${base}/v1/kv/big`, `${base}/v1/kv/small`);
    expect(both.stdout).toContain(`"value":"${value}"`);
    expect(both.stdout).toContain('"value":"chunky"');
  });
});

/**
 * A connection that has had one small answer: until then its requests run one at a time (see
 * UNSENT_ANSWER_BYTES_MAX), and pipelined ones could not overlap.
 */
async function answeredOnce(client: RawClient): Promise<RawClient> {
  client.send(request('GET', '/health'));
  expect(await client.response()).toMatchObject({ status: 200 });
  return client;
}

/** Polls a condition on the event loop (each turn lets sockets and timers run) up to a deadline. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
