/**
 * Follower forwarding without Raft: a "leader" RESP server over a state machine, and a "follower"
 * RESP server whose ForwardingBackend knows the leader's client address. Clients of the follower
 * get the leader's answers (sessions and pipelines intact), or NOTLEADER after CLIENT REDIRECT on.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeResults, encodeProposal } from '../../../src/kv/command_codec.js';
import { utf8 } from '../../../src/lib/resp/resp_types.js';
import { NodePause } from '../../../src/server/node_pause.js';
import { RespRequestParser } from '../../../src/lib/resp/request_parser.js';
import type { NodeId } from '../../../src/core/types.js';
import type { KvBackendInfo } from '../../../src/server/resp/index.js';
import { ForwardingBackend } from '../../../src/server/forward/forwarding_backend.js';
import { RespServer } from '../../../src/server/resp/index.js';
import { RawClient, show } from '../resp/raw_client.js';
import { StateMachineBackend } from '../resp/state_machine_backend.js';

/** A follower's backend: the state machine answers not-leader; addresses come from the test. */
class FollowerBackend extends StateMachineBackend {
  readonly addresses = new Map<NodeId, string>();
  override info(): KvBackendInfo {
    return { ...super.info(), nodeId: 2 };
  }
  override clientAddressOf(nodeId: NodeId): string | null {
    return this.addresses.get(nodeId) ?? null;
  }
}

let leaderBackend: StateMachineBackend;
let leader: RespServer;
let followerBackend: FollowerBackend;
let forwarding: ForwardingBackend;
let follower: RespServer;
const clients: RawClient[] = [];

beforeEach(async () => {
  leaderBackend = new StateMachineBackend();
  leader = await RespServer.start({ backend: leaderBackend, port: 0 });
  followerBackend = new FollowerBackend();
  followerBackend.followerOf = 1;
  followerBackend.addresses.set(1, `127.0.0.1:${leader.address().port}`);
  forwarding = new ForwardingBackend(followerBackend, { timeoutMs: 2_000 });
  follower = await RespServer.start({ backend: forwarding, port: 0 });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  forwarding.close();
  await Promise.all([leader.close(), follower.close()]);
});

async function connect(server: RespServer): Promise<RawClient> {
  const client = await RawClient.connect(server.address().port);
  clients.push(client);
  return client;
}

describe('a follower forwards to the leader', () => {
  it('relays writes and linearizable reads; stale reads stay local', async () => {
    const c = await connect(follower);
    expect(show(await c.call('SET', 'k', 'v'))).toBe('+OK');
    expect(show(await c.call('GET', 'k'))).toBe('"v"');
    expect(leaderBackend.writeCalls).toBe(1);
    expect(followerBackend.writeCalls).toBe(0); // never proposed on the follower
    expect(show(await c.call('READONLY'))).toBe('+OK');
    await c.call('GET', 'k'); // answered by the follower's own backend (this fixture refuses it)
    expect(followerBackend.readCalls).toBe(1);
    expect(forwarding.forwardedCount).toBe(2);
  });

  it('keeps a pipeline in order and in one forwarded batch', async () => {
    const c = await connect(follower);
    c.send('SET a 1\r\nINCR a\r\nGET a\r\nAPPEND a x\r\nGET a\r\n');
    expect((await c.waitReplies(5)).map(show)).toEqual(['+OK', ':2', '"2"', ':2', '"2x"']);
    expect(leaderBackend.writeCalls).toBeLessThanOrEqual(2);
  });

  it('keeps exactly-once sessions across the hop: a retried SEQ write applies once', async () => {
    const c = await connect(follower);
    await c.call('CLIENT', 'SESSION', 'fw-session');
    expect(show(await c.call('SEQ', '1', 'APPEND', 'log', 'a'))).toBe(':1');
    expect(show(await c.call('SEQ', '1', 'APPEND', 'log', 'a'))).toBe(':1');
    const direct = await connect(leader);
    await direct.call('CLIENT', 'SESSION', 'fw-session');
    expect(show(await direct.call('SEQ', '1', 'APPEND', 'log', 'a'))).toBe(':1');
    expect(show(await direct.call('GET', 'log'))).toBe('"a"');
  });

  it('answers NOTLEADER with the address after CLIENT REDIRECT on, and forwards again after off', async () => {
    const c = await connect(follower);
    const address = `127.0.0.1:${leader.address().port}`;
    expect(show(await c.call('CLIENT', 'REDIRECT', 'on'))).toBe('+OK');
    expect(show(await c.call('SET', 'k', 'v'))).toBe(`-NOTLEADER leader=1 addr=${address}`);
    expect(show(await c.call('GET', 'k'))).toBe(`-NOTLEADER leader=1 addr=${address}`);
    expect(show(await c.call('CLIENT', 'REDIRECT', 'maybe'))).toBe("-ERR CLIENT REDIRECT needs 'on' or 'off'");
    expect(show(await c.call('CLIENT', 'REDIRECT', 'off'))).toBe('+OK');
    expect(show(await c.call('SET', 'k', 'v'))).toBe('+OK');
  });

  it('answers TRYAGAIN when no leader is known or its address is not', async () => {
    const c = await connect(follower);
    followerBackend.followerOf = 0;
    expect(show(await c.call('SET', 'k', 'v'))).toMatch(/^-TRYAGAIN request dropped: no leader is known/);
    followerBackend.followerOf = 5;
    expect(show(await c.call('GET', 'k'))).toMatch(/^-TRYAGAIN .*client address of leader 5 is not known/);
  });

  it('relays -TOOLARGE from the leader: the write was not applied, so it is not reported as a timeout', async () => {
    leaderBackend.entryBytesMax = 100;
    const c = await connect(follower);
    expect(show(await c.call('SET', 'k', 'x'.repeat(200)))).toMatch(/^-TOOLARGE the request's log entry would be \d+ bytes; one entry carries at most 100: split the write$/);
    expect(show(await c.call('SET', 'k', 'small'))).toBe('+OK');
    expect(show(await c.call('GET', 'k'))).toBe('"small"');
  });

  it("relays the leader's refusal of an argument it read past as too large, as not applied", async () => {
    await Promise.all([leader.close(), follower.close()]);
    leader = await RespServer.start({ backend: leaderBackend, port: 0, limits: { maxKeptBulkBytes: 100 } });
    followerBackend.addresses.set(1, `127.0.0.1:${leader.address().port}`);
    follower = await RespServer.start({ backend: forwarding, port: 0 });
    const c = await connect(follower);
    expect(show(await c.call('SET', 'k', 'x'.repeat(200)))).toMatch(/^-TOOLARGE the request's log entry would be \d+ bytes; one entry carries at most 100: split the write$/);
    expect(show(await c.call('SET', 'k', 'small'))).toBe('+OK');
  });

  it('forwards nothing while its node is paused, requests read before the pause included, and all of it on resume', async () => {
    const pause = new NodePause();
    const local = new ForwardingBackend(followerBackend, { clock: pause });
    try {
      pause.pause();
      const write = local.write(encodeProposal([{ session: null, command: { type: 'set', key: utf8('p'), value: utf8('1'), condition: 'always', returnOld: false } }]));
      const read = local.read([{ type: 'get', key: utf8('p') }], 'linearizable');
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(leaderBackend.writeCalls + leaderBackend.readCalls).toBe(0);
      pause.resume();
      expect(await write).toMatchObject({ ok: true });
      expect(await read).toMatchObject({ ok: true, results: [{ type: 'bulk' }] });
    } finally {
      local.close();
    }
  });

  it('refuses a write bigger than a log entry without forwarding it', async () => {
    const local = new ForwardingBackend(followerBackend, { entryBytesMax: 10 });
    try {
      const outcome = await local.write(new Uint8Array(11));
      expect(outcome).toEqual({ ok: false, error: { type: 'too-large', bytes: 11, limitBytes: 10 } });
      expect(local.forwardedCount).toBe(0);
      expect(leaderBackend.writeCalls).toBe(0);
    } finally {
      local.close();
    }
  });

  it('relays the leader refusing (it lost leadership) without looping', async () => {
    leaderBackend.followerOf = 0; // the "leader" now knows no leader either
    const c = await connect(follower);
    expect(show(await c.call('GET', 'k'))).toMatch(/^-TRYAGAIN request dropped: no leader is known/);
    expect(show(await c.call('PING'))).toBe('+PONG');
  });

  it('reports an unknown outcome when the leader goes away with a write in flight, then recovers', async () => {
    const c = await connect(follower);
    expect(show(await c.call('SET', 'k', 'v1'))).toBe('+OK');
    await leader.close();
    // A new write finds the link closed: not sent, so nothing was applied; TRYAGAIN or TIMEOUT.
    expect(show(await c.call('SET', 'k', 'v2'))).toMatch(/^-(TRYAGAIN|TIMEOUT) /);
    leader = await RespServer.start({ backend: leaderBackend, port: 0 });
    followerBackend.addresses.set(1, `127.0.0.1:${leader.address().port}`);
    expect(show(await c.call('GET', 'k'))).toBe('"v1"');
  });

  it('answers a malformed forwarded read with an error result, as the state machine answers bad bytes', async () => {
    const direct = await connect(leader);
    direct.send('*3\r\n$13\r\nKVSIM.FORWARD\r\n$4\r\nREAD\r\n$3\r\nxyz\r\n');
    const [reply] = await direct.waitReplies(1);
    expect(reply?.type).toBe('array');
    const result = reply?.type === 'array' ? reply.items[1] : undefined;
    expect(result?.type).toBe('bulk');
    const decoded = decodeResults(result?.type === 'bulk' ? result.value : new Uint8Array(0));
    expect(decoded.ok && decoded.value).toEqual([{ type: 'error', message: expect.stringMatching(/^ERR malformed command: /) }]);
  });

  it('answers every read of a batch with an error when the leader\'s results do not decode, without TRYAGAIN', async () => {
    // A "leader" that answers every forwarded request with an index and bytes that are no results.
    const fake = net.createServer((socket) => {
      const parser = new RespRequestParser();
      socket.on('data', (chunk: Buffer) => {
        parser.push(chunk);
        while (parser.next().kind === 'value') socket.write('*2\r\n:7\r\n$3\r\nxyz\r\n');
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      followerBackend.addresses.set(1, `127.0.0.1:${(fake.address() as net.AddressInfo).port}`);
      const c = await connect(follower);
      c.send('GET a\r\nGET b\r\n');
      expect((await c.waitReplies(2)).map(show)).toEqual([
        expect.stringMatching(/^-ERR undecodable result from the leader: /),
        expect.stringMatching(/^-ERR undecodable result from the leader: /),
      ]);
    } finally {
      forwarding.close();
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});
