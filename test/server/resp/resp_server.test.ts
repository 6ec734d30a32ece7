import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RespServer } from '../../../src/server/resp/index.js';
import { RawClient, show } from './raw_client.js';
import { StateMachineBackend } from './state_machine_backend.js';

let backend: StateMachineBackend;
let server: RespServer;
let port: number;
const clients: RawClient[] = [];

async function connect(): Promise<RawClient> {
  const client = await RawClient.connect(port);
  clients.push(client);
  return client;
}

beforeEach(async () => {
  backend = new StateMachineBackend();
  server = await RespServer.start({ backend, port: 0 });
  port = server.address().port;
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

describe('RESP server over a raw socket', () => {
  it('answers RESP and inline commands, with quotes as telnet users type them', async () => {
    const c = await connect();
    c.send('PING\r\n');
    c.send('SET greeting "hello world"\r\n');
    c.send('*2\r\n$3\r\nGET\r\n$8\r\ngreeting\r\n');
    c.send("set q 'it\\'s'\nget q\n");
    const replies = await c.waitReplies(5);
    expect(replies.map(show)).toEqual(['+PONG', '+OK', '"hello world"', '+OK', `"it's"`]);
  });

  it('keeps binary values intact', async () => {
    const c = await connect();
    const value = new Uint8Array([0, 13, 10, 255, 36]);
    c.send(new Uint8Array([...new TextEncoder().encode('*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\n'), ...value, 13, 10]));
    const reply = (await c.waitReplies(1))[0];
    expect(reply && show(reply)).toBe('+OK');
    const got = await c.call('GET', 'b');
    expect(got.type === 'bulk' && [...got.value]).toEqual([...value]);
  });

  it('answers a pipeline in order and turns its writes into few proposals', async () => {
    const c = await connect();
    let pipeline = '';
    for (let i = 0; i < 200; i++) pipeline += `SET key:${i} ${i}\r\nINCR counter\r\n`;
    c.send(pipeline);
    const replies = await c.waitReplies(400);
    for (let i = 0; i < 200; i++) {
      expect(show(replies[2 * i] as never)).toBe('+OK');
      expect(show(replies[2 * i + 1] as never)).toBe(`:${i + 1}`);
    }
    expect(backend.writeCalls).toBeLessThan(20);
    console.log(`200 pipelined SET+INCR pairs went out as ${backend.writeCalls} proposals`);
  });

  it('keeps program order between writes and reads of one pipeline', async () => {
    const c = await connect();
    c.send('SET k 1\r\nGET k\r\nINCR k\r\nGET k\r\nDEL k\r\nGET k\r\nEXISTS k\r\n');
    expect((await c.waitReplies(7)).map(show)).toEqual(['+OK', '"1"', ':2', '"2"', ':1', 'nil', ':0']);
  });

  it('uses one read for a pipeline of reads', async () => {
    const c = await connect();
    await c.call('MSET', 'a', '1', 'b', '2');
    const reads = backend.readCalls;
    c.send('GET a\r\nGET b\r\nMGET a x b\r\nSTRLEN a\r\nDBSIZE\r\n');
    expect((await c.waitReplies(6)).slice(1).map(show)).toEqual(['"1"', '"2"', '["1", nil, "2"]', ':1', ':2']);
    expect(backend.readCalls - reads).toBeLessThanOrEqual(2);
  });

  it('replies with Redis error texts and keeps the connection', async () => {
    const c = await connect();
    const replies = [
      await c.call('FOO', 'bar'),
      await c.call('GET'),
      await c.call('SET', 'n', 'abc'),
      await c.call('INCR', 'n'),
      await c.call('INCRBY', 'x', '1.5'),
      await c.call('SET', 'k', 'v', 'NX', 'XX'),
      await c.call('SELECT', '1'),
      await c.call('MSET', 'a', '1', 'b'),
      await c.call('SCAN', 'x'),
      await c.call('CLIENT'),
      await c.call('CONFIG'),
      await c.call('PING'),
    ];
    expect(replies.map(show)).toEqual([
      "-ERR unknown command 'FOO', with args beginning with: 'bar' ",
      "-ERR wrong number of arguments for 'get' command",
      '+OK',
      '-ERR value is not an integer or out of range',
      '-ERR value is not an integer or out of range',
      '-ERR syntax error',
      '-ERR DB index is out of range',
      "-ERR wrong number of arguments for 'mset' command",
      '-ERR invalid cursor',
      "-ERR wrong number of arguments for 'client' command",
      "-ERR wrong number of arguments for 'config' command",
      '+PONG',
    ]);
  });

  it('covers the rest of the key-value commands', async () => {
    const c = await connect();
    const replies = [
      await c.call('SET', 'k', 'v', 'GET'),
      await c.call('SET', 'k', 'w', 'GET'),
      await c.call('APPEND', 'k', 'xyz'),
      await c.call('CAS', 'k', 'nope', 'z'),
      await c.call('CAS', 'k', 'wxyz', 'z'),
      await c.call('SETNX', 'k', 'again'),
      await c.call('DECRBY', 'c', '5'),
      await c.call('DECR', 'c'),
      await c.call('KEYS', '*'),
      await c.call('SCAN', '0', 'MATCH', 'k*', 'COUNT', '100'),
    ];
    expect(replies.map(show)).toEqual([
      'nil',
      '"v"',
      ':4',
      '[:0, "wxyz"]',
      '[:1, "z"]',
      ':0',
      ':-5',
      ':-6',
      '["c", "k"]',
      '["0", ["k"]]',
    ]);
  });

  it('answers a KEYS or SCAN pattern too costly to match with an error, and keeps serving', async () => {
    const c = await connect();
    await c.call('SET', 'a'.repeat(20_000), 'v');
    const backtracking = '*' + 'a'.repeat(5_000) + 'b*';
    expect(show(await c.call('KEYS', backtracking))).toMatch(/^-ERR KEYS pattern too costly to match: gave up after re-reading key bytes \d+ times/);
    expect(show(await c.call('SCAN', '0', 'MATCH', backtracking))).toMatch(/^-ERR SCAN MATCH pattern too costly to match/);
    expect(show(await c.call('PING'))).toBe('+PONG');
    expect(show(await c.call('DBSIZE'))).toBe(':1');
  });

  it('applies a retried SEQ write once and answers it with the first reply', async () => {
    const c = await connect();
    expect(show(await c.call('SEQ', '1', 'INCR', 'n'))).toMatch(/^-ERR no client session/);
    expect(show(await c.call('CLIENT', 'SESSION', 'client-abc'))).toBe('+OK');
    expect(show(await c.call('SEQ', '1', 'INCR', 'n'))).toBe(':1');
    expect(show(await c.call('SEQ', '1', 'INCR', 'n'))).toBe(':1');
    // A retry on another connection (after a reconnect) is still deduplicated.
    const other = await connect();
    await other.call('CLIENT', 'SESSION', 'client-abc');
    expect(show(await other.call('SEQ', '1', 'INCR', 'n'))).toBe(':1');
    expect(show(await other.call('SEQ', '2', 'INCR', 'n'))).toBe(':2');
    expect(show(await other.call('GET', 'n'))).toBe('"2"');
  });

  it('tells a client where the leader is when it is not the leader', async () => {
    const c = await connect();
    backend.followerOf = 2;
    expect(show(await c.call('SET', 'k', 'v'))).toBe('-NOTLEADER leader=2 addr=127.0.0.1:7002');
    expect(show(await c.call('GET', 'k'))).toBe('-NOTLEADER leader=2 addr=127.0.0.1:7002');
    backend.followerOf = 0;
    expect(show(await c.call('GET', 'k'))).toBe('-NOTLEADER leader=0 addr=');
  });

  it('reports Raft status in INFO replication', async () => {
    const c = await connect();
    await c.call('SET', 'k', 'v');
    const info = await c.call('INFO', 'replication');
    const text = show(info);
    for (const field of ['role:leader', 'leader_id:1', 'leader_addr:127.0.0.1:7001', 'raft_term:3', 'commit_index:1', 'applied_index:1']) {
      expect(text).toContain(field);
    }
    expect(show(await c.call('INFO'))).toContain('loading:0');
  });

  it('speaks RESP3 after HELLO 3 and answers the setup commands of common tools', async () => {
    const c = await connect();
    c.send('*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n');
    const hello = (await c.waitReplies(1))[0];
    expect(hello?.type).toBe('map');
    expect(show(await c.call('GET', 'missing'))).toBe('nil');
    expect(show(await c.call('CONFIG', 'GET', 'save'))).toBe('{"save": ""}');
    expect(show(await c.call('HELLO', '2'))).toContain('"proto", :2');
    expect(show(await c.call('CONFIG', 'GET', 'appendonly'))).toBe('["appendonly", "yes"]');
    expect(show(await c.call('COMMAND', 'DOCS'))).toBe('[]');
    expect(show(await c.call('CLIENT', 'SETNAME', 'app'))).toBe('+OK');
    expect(show(await c.call('CLIENT', 'GETNAME'))).toBe('"app"');
    expect((await c.call('CLIENT', 'ID')).type).toBe('integer');
    expect(show(await c.call('SELECT', '0'))).toBe('+OK');
    expect(show(await c.call('ECHO', 'hi'))).toBe('"hi"');
  });

  it('answers QUIT and closes', async () => {
    const c = await connect();
    c.send('QUIT\r\n');
    expect((await c.waitReplies(1)).map(show)).toEqual(['+OK']);
    await c.waitClosed();
  });
});

describe('RESP server under bad input', () => {
  it('refuses a 600 MB declared bulk at once, closes that connection only', async () => {
    const good = await connect();
    const bad = await connect();
    expect(show(await good.call('SET', 'k', 'v'))).toBe('+OK');
    bad.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$600000000\r\n');
    expect((await bad.waitReplies(1)).map(show)).toEqual(['-ERR Protocol error: invalid bulk length']);
    await bad.waitClosed();
    expect(show(await good.call('GET', 'k'))).toBe('"v"');
    const fresh = await connect();
    expect(show(await fresh.call('PING'))).toBe('+PONG');
  });

  it('answers requests before a malformed frame, then the protocol error, then closes', async () => {
    const c = await connect();
    c.send('SET a 1\r\n*2\r\n$3\r\nGET\r\n:1\r\n');
    expect((await c.waitReplies(2)).map(show)).toEqual(['+OK', "-ERR Protocol error: expected '$', got ':'"]);
    await c.waitClosed();
  });

  it('closes on unbalanced quotes and on an endless inline line', async () => {
    const quotes = await connect();
    quotes.send('SET k "oops\r\n');
    expect((await quotes.waitReplies(1)).map(show)).toEqual(['-ERR Protocol error: unbalanced quotes in request']);
    await quotes.waitClosed();
    const endless = await connect();
    endless.send('x'.repeat(70 * 1024));
    expect((await endless.waitReplies(1)).map(show)).toEqual(['-ERR Protocol error: too big inline request']);
    await endless.waitClosed();
    expect(server.connectionCount).toBeLessThanOrEqual(clients.length);
  });

  it('pauses and resumes a client that pipelines more than the queue bound, losing nothing', async () => {
    const c = await connect();
    const count = 25_000; // over RESP_MAX_QUEUED_COMMANDS, so input is paused and resumed
    c.send('INCR n\r\n'.repeat(count));
    const replies = await c.waitReplies(count, 30_000);
    expect(show(replies[count - 1] as never)).toBe(`:${count}`);
    expect(show(await c.call('GET', 'n'))).toBe(`"${count}"`);
  });

  it('accepts a 5 MB value sent in many chunks', async () => {
    const c = await connect();
    const size = 5 * 1024 * 1024;
    const header = new TextEncoder().encode(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`);
    c.send(header);
    for (let sent = 0; sent < size; sent += 64 * 1024) c.send(new Uint8Array(Math.min(64 * 1024, size - sent)).fill(0x61));
    c.send('\r\n');
    expect((await c.waitReplies(1)).map(show)).toEqual(['+OK']);
    expect(show(await c.call('STRLEN', 'big'))).toBe(`:${size}`);
  });

  it('survives a client that disconnects with requests in flight', async () => {
    const c = await connect();
    let pipeline = '';
    for (let i = 0; i < 500; i++) pipeline += `INCR n\r\n`;
    c.send(pipeline);
    c.close();
    const other = await connect();
    expect(show(await other.call('PING'))).toBe('+PONG');
  });
});

describe('RESP server at its client limit', () => {
  it('refuses connections past clientsMax with Redis\'s error and closes them; a freed slot is taken again', async () => {
    const limited = await RespServer.start({ backend, port: 0, clientsMax: 2 });
    const connectLimited = async (): Promise<RawClient> => {
      const client = await RawClient.connect(limited.address().port);
      clients.push(client);
      return client;
    };
    try {
      const [first, second] = [await connectLimited(), await connectLimited()];
      const third = await connectLimited();
      expect((await third.waitReplies(1)).map(show)).toEqual(['-ERR max number of clients reached']);
      await third.waitClosed();
      for (const client of [first, second]) expect(show(await client.call('PING'))).toBe('+PONG');
      first.close();
      await expect.poll(() => limited.connectionCount, { timeout: 5_000 }).toBe(1);
      expect(show(await (await connectLimited()).call('PING'))).toBe('+PONG');
    } finally {
      await limited.close();
    }
  });
});
