/**
 * A node's RESP and HTTP ports while it is paused, as a stopped process's: connections are taken,
 * nothing is read or written (not even an answer that was already on its way, nor a close), no
 * client timeout runs; on resume everything proceeds in order. A follower's forwarding waits on
 * the same clock, so a pause is not a leader that failed to answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KvCommand } from '../../src/kv/commands.js';
import type { ProposalOutcome } from '../../src/node/types.js';
import { ForwardingBackend } from '../../src/server/forward/forwarding_backend.js';
import { HttpServer } from '../../src/server/http/http_server.js';
import { NodePause } from '../../src/server/node_pause.js';
import { RespServer, type KvBackendInfo } from '../../src/server/resp/index.js';
import { RawClient as HttpClient, request } from './http/raw_client.js';
import { RawClient, show } from './resp/raw_client.js';
import { StateMachineBackend } from './resp/state_machine_backend.js';
import { Gate } from '../support/gate.js';

/**
 * How long a paused server must stay silent: unpaused, these servers answer in well under a
 * millisecond in this process, so an answer that was coming would have come.
 */
const SILENCE_MS = 200;

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes wait while held. */
class HeldBackend extends StateMachineBackend {
  readonly writes = new Gate();

  override async write(proposal: Uint8Array): Promise<ProposalOutcome> {
    await this.writes.pass();
    return super.write(proposal);
  }
}

const closers: Array<() => unknown> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function respServer(backend: StateMachineBackend | ForwardingBackend, pause: NodePause): Promise<RespServer> {
  const server = await RespServer.start({ backend, port: 0, pause });
  closers.push(() => server.close());
  return server;
}

async function respClient(server: RespServer): Promise<RawClient> {
  const client = await RawClient.connect(server.address().port);
  closers.push(() => client.close());
  return client;
}

describe('a paused RESP port', () => {
  it('takes connections but reads and writes nothing, answers held included, until resumed', async () => {
    const backend = new HeldBackend();
    const pause = new NodePause();
    const server = await respServer(backend, pause);
    const before = await respClient(server);
    expect(show(await before.call('PING'))).toBe('+PONG');

    backend.writes.hold();
    before.send('SET k v\r\nGET k\r\nQUIT\r\n'); // read before the pause; the SET waits on the backend
    await wait(20);
    pause.pause();
    backend.writes.release(); // its answer is ready while paused: it must not leave
    before.send('PING\r\n');
    const during = await respClient(server); // the connection is taken
    during.send('PING\r\n');
    await wait(SILENCE_MS);
    expect(before.replies.length).toBe(1);
    expect(before.closed).toBe(false);
    expect(during.replies).toEqual([]);

    pause.resume();
    expect((await before.waitReplies(4)).map(show)).toEqual(['+PONG', '+OK', '"v"', '+OK']);
    await before.waitClosed(); // QUIT's close, also held
    expect((await during.waitReplies(1)).map(show)).toEqual(['+PONG']);
  });
});

describe('a paused HTTP port', () => {
  it('answers nothing, drops no idle connection past its keep-alive timeout, and answers on resume', async () => {
    const pause = new NodePause();
    const keepAliveTimeoutMs = 50;
    const server = await HttpServer.start({ backend: new StateMachineBackend(), port: 0, pause, timeouts: { keepAliveTimeoutMs } });
    closers.push(() => server.close());
    const idle = await HttpClient.connect(server.address().port);
    closers.push(() => idle.destroy());
    idle.send(request('GET', '/health'));
    expect((await idle.response()).status).toBe(200);

    pause.pause();
    const fresh = await HttpClient.connect(server.address().port);
    closers.push(() => fresh.destroy());
    fresh.send(request('GET', '/health'));
    await wait(Math.max(SILENCE_MS, 4 * keepAliveTimeoutMs));
    expect(idle.closed).toBe(false);
    expect(fresh.unread).toBe('');

    pause.resume();
    expect((await fresh.response()).status).toBe(200);
    idle.send(request('GET', '/health'));
    expect((await idle.response()).status).toBe(200);
  });
});

/** A follower's backend: not the leader, which is node 1 at `leaderAddress`. */
class FollowerBackend extends StateMachineBackend {
  leaderAddress = '';
  override info(): KvBackendInfo {
    return { ...super.info(), nodeId: 2, role: 'follower', leaderId: 1 };
  }
  override clientAddressOf(): string | null {
    return this.leaderAddress;
  }
}

describe('forwarding from a paused follower', () => {
  it('does not time out the leader while the follower is paused; it does once the follower has run that long', async () => {
    const leaderPause = new NodePause();
    const leader = await respServer(new StateMachineBackend(), leaderPause);
    leaderPause.pause(); // the leader never answers
    const follower = new FollowerBackend();
    follower.leaderAddress = `127.0.0.1:${leader.address().port}`;
    const followerPause = new NodePause();
    const timeoutMs = 50;
    const forwarding = new ForwardingBackend(follower, { timeoutMs, clock: followerPause });
    closers.push(() => forwarding.close());

    const commands: KvCommand[] = [{ type: 'get', key: new TextEncoder().encode('k') }];
    let outcome: unknown = null;
    void forwarding.read(commands, 'linearizable').then((result) => (outcome = result));
    followerPause.pause();
    await wait(Math.max(SILENCE_MS, 4 * timeoutMs));
    expect(outcome).toBeNull();

    followerPause.resume();
    const deadline = performance.now() + 5_000;
    while (outcome === null && performance.now() < deadline) await wait(10);
    expect(outcome).toMatchObject({ ok: false, error: { type: 'proposal-dropped', reason: expect.stringContaining(`no reply from the leader within ${timeoutMs} ms`) } });
  });
});
