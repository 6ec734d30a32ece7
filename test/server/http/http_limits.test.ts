/**
 * The HTTP front end's bounds on the wire: head, body, chunk-extension and connection limits,
 * timeouts against slow, idle and non-reading clients (injected small) and the keep-alive timeout
 * they are told, a client that leaves mid-body, reading paused and requests held back while
 * answers pile up, and close() dropping every connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeProposal } from '../../../src/kv/command_codec.js';
import type { KvCommand } from '../../../src/kv/commands.js';
import type { Logger } from '../../../src/ports/logger.js';
import { QUEUED_BODY_BYTES_MAX, QUEUED_REQUESTS_MAX, UNSENT_ANSWER_BYTES_MAX } from '../../../src/server/http/http_connection.js';
import { CHUNK_EXTENSIONS_MAX_BYTES } from '../../../src/server/http/request_parser.js';
import { HTTP_HEAD_MAX_BYTES, HttpServer, type HttpServerOptions } from '../../../src/server/http/http_server.js';
import type { KvResultsOutcome } from '../../../src/server/resp/index.js';
import { StateMachineBackend } from '../resp/state_machine_backend.js';
import { RawClient, request } from './raw_client.js';

/** Reads wait while held (readsArrived counts them as they come, held or not). */
class HeldBackend extends StateMachineBackend {
  private gate: Promise<void> | null = null;
  private open: () => void = () => {};
  readsArrived = 0;

  holdReads(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  releaseReads(): void {
    this.open();
    this.gate = null;
  }

  override async read(commands: readonly KvCommand[]): Promise<KvResultsOutcome> {
    this.readsArrived++;
    if (this.gate !== null) await this.gate;
    return super.read(commands);
  }
}

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const servers: HttpServer[] = [];
const clients: RawClient[] = [];

async function start(options: Partial<HttpServerOptions> = {}): Promise<{ server: HttpServer; backend: HeldBackend; connect: () => Promise<RawClient> }> {
  const backend = new HeldBackend();
  const server = await HttpServer.start({ backend, port: 0, bodyMaxBytes: 1024, ...options });
  servers.push(server);
  return {
    server,
    backend,
    connect: async () => {
      const client = await RawClient.connect(server.address().port);
      clients.push(client);
      return client;
    },
  };
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function stillServes(connect: () => Promise<RawClient>): Promise<void> {
  const client = await connect();
  client.send(request('GET', '/health'));
  expect(await client.response()).toMatchObject({ status: 200 });
}

describe('HTTP limits', () => {
  it('refuses a head over the limit with 431 and closes; the server keeps serving', async () => {
    const { connect } = await start();
    const client = await connect();
    client.send(request('GET', '/health', { headers: [`X-Filler: ${'a'.repeat(HTTP_HEAD_MAX_BYTES)}`] }));
    const refused = await client.response();
    expect(refused).toMatchObject({ status: 431, headers: { connection: 'close' } });
    expect(JSON.parse(refused.body)).toMatchObject({ limitBytes: HTTP_HEAD_MAX_BYTES });
    await client.whenClosed();
    await stillServes(connect);
  });

  it('refuses a declared body over the limit with 413 before it is sent, and a chunked one once it passes the limit', async () => {
    const { backend, connect } = await start();
    const declared = await connect();
    declared.send('PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n');
    expect(await declared.response()).toMatchObject({ status: 413, headers: { connection: 'close' } });
    await declared.whenClosed();

    const chunked = await connect();
    chunked.send('PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    for (let i = 0; i < 3; i++) chunked.send(`200\r\n${'a'.repeat(0x200)}\r\n`);
    expect(await chunked.response()).toMatchObject({ status: 413 });
    await chunked.whenClosed();
    expect(backend.writeCalls).toBe(0);
    await stillServes(connect);
  });

  it('refuses a chunked body whose extensions pass their limit in all, though each line is short', async () => {
    const { backend, connect } = await start();
    const client = await connect();
    client.send('PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `1;${'e'.repeat(1000)}\r\na\r\n`;
    client.send(chunk.repeat(Math.ceil(CHUNK_EXTENSIONS_MAX_BYTES / 1000) + 1));
    const refused = await client.response();
    expect(refused).toMatchObject({ status: 400, headers: { connection: 'close' } });
    expect(JSON.parse(refused.body).error).toMatch(/chunk extensions/);
    await client.whenClosed();
    expect(backend.writeCalls).toBe(0);
    await stillServes(connect);
  });

  it('answers a connection over the limit 503 and closes it, serving the open ones; a freed place takes a new one', async () => {
    const connectionsMax = 2;
    const { connect } = await start({ connectionsMax });
    const open = [await connect(), await connect()];
    // An answer proves the server took the connection (its accept runs apart from the client's connect).
    for (const client of open) {
      client.send(request('GET', '/health'));
      expect(await client.response()).toMatchObject({ status: 200 });
    }
    const refused = await connect();
    refused.send(request('GET', '/health'));
    const answer = await refused.response();
    expect(answer).toMatchObject({ status: 503, headers: { connection: 'close', 'content-type': 'text/plain; charset=utf-8' } });
    expect(answer.body).toMatch(/2 HTTP connections open/);
    await refused.whenClosed();
    for (const client of open) {
      client.send(request('GET', '/health'));
      expect(await client.response()).toMatchObject({ status: 200 });
    }

    open[0]?.destroy();
    await waitUntilAsync(async () => {
      const client = await connect();
      client.send(request('GET', '/health'));
      const status = (await client.response()).status;
      if (status !== 200) client.destroy();
      return status === 200;
    }, 'a connection taken in the freed place');
  });

  it('forgets a request whose client disconnects mid-body', async () => {
    const { backend, connect } = await start();
    const client = await connect();
    client.send('PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{"value": "par');
    await new Promise<void>((resolve) => client.socket.end(resolve));
    client.destroy();
    await stillServes(connect);
    expect(backend.writeCalls).toBe(0);
  });
});

describe('HTTP timeouts', () => {
  const timeouts = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200 };

  it('drops a kept-alive connection idle for the keep-alive timeout', async () => {
    const { connect } = await start({ timeouts });
    const client = await connect();
    client.send(request('GET', '/health'));
    expect(await client.response()).toMatchObject({ status: 200 });
    const answeredMs = performance.now();
    await client.whenClosed(5_000);
    expect(performance.now() - answeredMs).toBeGreaterThanOrEqual(timeouts.keepAliveTimeoutMs - 20);
  });

  it('advertises the keep-alive timeout in whole seconds rounded down, and not at all under a second', async () => {
    const subSecond = await start({ timeouts });
    const http11 = await subSecond.connect();
    http11.send(request('GET', '/health'));
    expect((await http11.response()).headers).not.toHaveProperty('keep-alive');
    const http10 = await subSecond.connect();
    http10.send(request('GET', '/health', { version: 'HTTP/1.0', headers: ['Connection: keep-alive'] }));
    const kept = await http10.response();
    expect(kept.headers).toMatchObject({ connection: 'keep-alive' });
    expect(kept.headers).not.toHaveProperty('keep-alive');

    const longer = await start({ timeouts: { ...timeouts, keepAliveTimeoutMs: 2_999 } });
    const client = await longer.connect();
    client.send(request('GET', '/health'));
    expect((await client.response()).headers).toMatchObject({ 'keep-alive': 'timeout=2' });
  });

  it('does not count empty lines as a request: they keep no connection open past its timeout', async () => {
    const { connect } = await start({ timeouts });
    const client = await connect();
    client.send(request('GET', '/health'));
    expect(await client.response()).toMatchObject({ status: 200 });
    const answeredMs = performance.now();
    const dribble = setInterval(() => client.send('\r\n'), timeouts.keepAliveTimeoutMs / 4);
    try {
      await client.whenClosed(5_000);
    } finally {
      clearInterval(dribble);
    }
    expect(performance.now() - answeredMs).toBeLessThan(timeouts.keepAliveTimeoutMs * 3);
  });

  it('answers 408 and closes when a head trickles in too slowly', async () => {
    const { connect } = await start({ timeouts });
    const client = await connect();
    const startedMs = performance.now();
    client.send('GET /health HTTP/1.1\r\nHost: t\r\n');
    expect(await client.response({ timeoutMs: 5_000 })).toMatchObject({ status: 408, headers: { connection: 'close' } });
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(timeouts.headersTimeoutMs - 20);
    await client.whenClosed();
  });

  it('answers 408 and closes when a body does not arrive within the request timeout', async () => {
    const { backend, connect } = await start({ timeouts });
    const client = await connect();
    const startedMs = performance.now();
    client.send('PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n{"value"');
    expect(await client.response({ timeoutMs: 5_000 })).toMatchObject({ status: 408 });
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(timeouts.requestTimeoutMs - 20);
    await client.whenClosed();
    expect(backend.writeCalls).toBe(0);
  });

  it('drops a connection that never sends a request within the headers timeout', async () => {
    const { connect } = await start({ timeouts });
    const startedMs = performance.now();
    const client = await connect();
    await client.whenClosed(5_000);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(timeouts.headersTimeoutMs - 20);
    expect(client.unread).toBe('');
  });

  it('does not time out a client waiting for a slow answer', async () => {
    const { backend, connect } = await start({ timeouts });
    const client = await connect();
    backend.holdReads();
    client.send(request('GET', '/v1/kv/k'));
    // A slow client started after it is timed out: by then the waiting one was as long unanswered.
    const slow = await connect();
    slow.send('PUT /v1/kv/k HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n');
    expect(await slow.response()).toMatchObject({ status: 408 });
    expect(client.closed).toBe(false);
    backend.releaseReads();
    expect(await client.response()).toMatchObject({ status: 404 });
  });
});

describe('HTTP clients that read slowly or not at all', () => {
  /** Far over what the socket buffers of both ends hold, so the server still has most of it to write. */
  const value = 'v'.repeat(8 * 1024 * 1024);

  /** Stored straight through the backend: an 8 MiB PUT would itself race the short timeouts. */
  async function startWithBigValue(options: Partial<HttpServerOptions>): Promise<{ server: HttpServer; backend: HeldBackend; connect: () => Promise<RawClient> }> {
    const started = await start(options);
    const command = { type: 'set', key: Buffer.from('big'), value: Buffer.from(value), condition: 'always', returnOld: false } as const;
    expect(await started.backend.write(encodeProposal([{ session: null, command }]))).toMatchObject({ ok: true });
    return started;
  }

  it('writes a closing answer whole to a client that reads it slower than the keep-alive timeout', async () => {
    const timeouts = { headersTimeoutMs: 5_000, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 200, writeTimeoutMs: 5_000 };
    const { connect } = await startWithBigValue({ timeouts });
    const client = await connect();
    client.socket.pause();
    client.send(request('GET', '/v1/kv/big', { headers: ['Connection: close'] }));
    await new Promise((resolve) => setTimeout(resolve, timeouts.keepAliveTimeoutMs * 4));
    client.socket.resume();
    const answer = await client.response({ timeoutMs: 10_000 });
    expect(answer).toMatchObject({ status: 200, headers: { connection: 'close' } });
    expect(JSON.parse(answer.body).value).toBe(value);
    await client.whenClosed();
  });

  it('holds about one answer for a client that pipelines GETs of a large value and never reads; others are served', async () => {
    const { server, backend, connect } = await startWithBigValue({});
    const client = await connect();
    client.socket.pause();
    const count = 8;
    client.send(request('GET', '/v1/kv/big').repeat(count));
    await waitUntilSteady(() => backend.readCalls, 'reads to stop while the client does not read');
    // Without the bound all eight ran at once and the server held eight answers, 64 MiB. With it the
    // first runs alone and fills the allowance (a second only if the kernel's buffers take the first).
    const answerBytes = value.length + 200;
    expect(backend.readCalls).toBeLessThanOrEqual(2);
    expect(server.unsentBytes()).toBeLessThan(UNSENT_ANSWER_BYTES_MAX + answerBytes);

    const other = await connect();
    other.send(request('GET', '/health') + request('GET', '/v1/kv/big'));
    const [health, big] = await other.responses(2, { timeoutMs: 10_000 });
    expect(health).toMatchObject({ status: 200 });
    expect(JSON.parse(big?.body ?? '').value).toBe(value);

    client.socket.resume();
    const answers = await client.responses(count, { timeoutMs: 20_000 });
    expect(answers.every((a) => a.status === 200 && a.body.length > value.length)).toBe(true);
  });

  it('drops a client that leaves its answers unread for the write timeout, and logs it', async () => {
    const timeouts = { headersTimeoutMs: 5_000, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, writeTimeoutMs: 500 };
    const log: LogLine[] = [];
    const { connect } = await startWithBigValue({ timeouts, logger: recordingLogger(log) });
    const client = await connect();
    const remote = `127.0.0.1:${client.socket.localPort}`;
    client.socket.pause();
    const count = 4;
    client.send(request('GET', '/v1/kv/big').repeat(count));
    await new Promise((resolve) => setTimeout(resolve, timeouts.writeTimeoutMs * 2));
    client.socket.resume();
    await expect(client.responses(count, { timeoutMs: 10_000 })).rejects.toThrow(/connection closed/);
    const line = log.find((entry) => entry.message === 'closed an HTTP connection whose client left its answers unread');
    expect(line?.fields).toMatchObject({ remote, writeTimeoutMs: timeouts.writeTimeoutMs });
    expect(line?.fields.unsentBytes).toBeGreaterThan(0);
  });
});

describe('HTTP backpressure', () => {
  it('takes at most QUEUED_REQUESTS_MAX pipelined requests while answers are pending', async () => {
    const { backend, connect } = await start();
    const client = await answeredOnce(await connect());
    backend.holdReads();
    const count = QUEUED_REQUESTS_MAX * 3;
    client.send(request('GET', '/v1/kv/k').repeat(count));
    // Requests are taken synchronously as bytes arrive: a server taking more would pass the mark.
    await waitUntil(() => backend.readsArrived === QUEUED_REQUESTS_MAX, 'exactly a full queue of reads');
    backend.releaseReads();
    const answers = await client.responses(count);
    expect(answers.every((a) => a.status === 404)).toBe(true);
    expect(backend.readCalls).toBe(count);
  });

  it('takes pipelined requests only up to QUEUED_BODY_BYTES_MAX of bodies while answers are pending', async () => {
    const { backend, connect } = await start({ bodyMaxBytes: 8 * 1024 * 1024 });
    const client = await answeredOnce(await connect());
    backend.holdReads();
    const bodyBytes = Math.ceil(QUEUED_BODY_BYTES_MAX / 2.5); // the third body passes the bound
    const count = 5;
    client.send(request('GET', '/v1/kv/k', { body: 'b'.repeat(bodyBytes) }).repeat(count));
    await waitUntil(() => backend.readsArrived === 3, 'exactly three held reads');
    backend.releaseReads();
    expect((await client.responses(count, { timeoutMs: 10_000 })).map((a) => a.status)).toEqual(Array(count).fill(404));
  });

  it('stops reading a client that pipelines without reading its answers, and answers it all once it reads', async () => {
    const { backend, connect } = await start({ bodyMaxBytes: 1024 * 1024 });
    const value = 'v'.repeat(64 * 1024);
    const writer = await connect();
    writer.send(request('PUT', '/v1/kv/big', { body: JSON.stringify({ value }) }));
    expect(await writer.response()).toMatchObject({ status: 200 });

    const count = 400; // about 26 MB of answers, far over the socket buffers (about 90 answers fit here)
    const client = await connect();
    client.socket.pause();
    client.send(request('GET', '/v1/kv/big').repeat(count));
    await waitUntilSteady(() => backend.readCalls, 'reads to stop while the client does not read');
    expect(backend.readCalls).toBeLessThan(count);
    client.socket.resume();
    const answers = await client.responses(count, { timeoutMs: 30_000 });
    expect(answers.every((a) => a.status === 200 && a.body.length > value.length)).toBe(true);
  });

  it('close() drops idle and busy connections', async () => {
    const { server, backend, connect } = await start();
    const idle = await connect();
    const busy = await connect();
    backend.holdReads();
    busy.send(request('GET', '/v1/kv/k'));
    await waitUntil(() => backend.readsArrived === 1, 'the held read');
    await server.close();
    await Promise.all([idle.whenClosed(), busy.whenClosed()]);
    backend.releaseReads();
  });
});

/** A connection that has had one small answer (which reads nothing), so its pipelined requests may run together. */
async function answeredOnce(client: RawClient): Promise<RawClient> {
  client.send(request('GET', '/health'));
  expect(await client.response()).toMatchObject({ status: 200 });
  return client;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function waitUntilAsync(condition: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until a counter holds still for steadyMs, up to a deadline. */
async function waitUntilSteady(counter: () => number, what: string, steadyMs = 200, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = counter();
  let sinceMs = performance.now();
  while (performance.now() - sinceMs < steadyMs) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (counter() !== last) {
      last = counter();
      sinceMs = performance.now();
    }
  }
}
