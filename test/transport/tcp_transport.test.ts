import * as net from 'node:net';
import { describe, it, expect, afterEach } from 'vitest';
import type { Message } from '../../src/core/types.js';
import type { Logger } from '../../src/ports/logger.js';
import { encodeFrame, encodeHello } from '../../src/transport/codec.js';
import type { LeaseSettings } from '../../src/transport/peer_protocol.js';
import { startTcpTransport, type TcpTransport } from '../../src/transport/tcp_transport.js';
import { TEST_LEASE, tcpMesh } from './meshes.js';
import { waitUntilReal } from './wait.js';

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const open: TcpTransport[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

async function start(self: number, logger?: Logger, port = 0): Promise<TcpTransport> {
  const started = await startTcpTransport({
    self,
    listen: { host: '127.0.0.1', port },
    peers: [[2, { host: '127.0.0.1', port: 1 }]], // node 2 is a known peer; nobody listens there
    lease: TEST_LEASE,
    ...(logger !== undefined ? { logger } : {}),
  });
  if (!started.ok) throw new Error(started.error);
  open.push(started.transport);
  return started.transport;
}

/** Connects a raw client, writes `bytes`, and collects what the server says until it hangs up. */
async function rawExchange(port: number, bytes: Uint8Array | string): Promise<string> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let reply = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (reply += chunk.toString('utf8')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  socket.write(bytes);
  const hungUp = await waitUntilReal(() => closed, 10_000);
  socket.destroy();
  expect(hungUp, 'server should close the connection').toBe(true);
  return reply;
}

const heartbeat = (from: number, to: number, readSeq: number): Message => ({ type: 'heartbeat', from, to, term: 1, commit: 0, readSeq });

describe('TCP transport: the peer port refuses strangers', () => {
  it('answers a Redis client typing PING with one refusal line, logs it, runs nothing', async () => {
    const log: LogLine[] = [];
    const transport = await start(1, recordingLogger(log));
    const received: Message[] = [];
    transport.onMessage((m) => received.push(m));
    for (const command of ['PING\r\n', '*1\r\n$4\r\nPING\r\n']) {
      const reply = await rawExchange(transport.address().port, command);
      expect(reply).toMatch(/^-ERR kv-sim peer port: not a peer handshake \(bad-magic\);[^\n]*\r\n$/);
    }
    expect(received).toEqual([]);
    const refusals = log.filter((line) => line.level === 'warn' && line.message.includes('refused a connection'));
    expect(refusals).toHaveLength(2);
    expect(String(refusals[0]?.fields['remote'])).toContain('127.0.0.1');
  });

  it('refuses a handshake meant for another node, or from a node it does not know', async () => {
    const transport = await start(1);
    expect(await rawExchange(transport.address().port, encodeHello(2, 5, TEST_LEASE))).toContain('this is node 1, not node 5');
    expect(await rawExchange(transport.address().port, encodeHello(9, 1, TEST_LEASE))).toContain('node 9 is not a peer of node 1');
    expect(await rawExchange(transport.address().port, encodeFrame([heartbeat(2, 1, 0)]))).toContain('expected a hello frame first');
  });

  it('hangs up on a caller that connects and says nothing', async () => {
    const started = await startTcpTransport({ self: 1, listen: { host: '127.0.0.1', port: 0 }, peers: [], lease: TEST_LEASE, handshakeTimeoutMs: 50 });
    if (!started.ok) throw new Error(started.error);
    open.push(started.transport);
    expect(await rawExchange(started.transport.address().port, '')).toContain('no handshake in time');
  });

  it('does not buffer a big frame from a caller that has not identified itself', async () => {
    const transport = await start(1);
    const header = encodeFrame([]).slice(0, 8);
    new DataView(header.buffer).setUint32(4, 50 * 1024 * 1024); // claims 50 MiB, under the frame limit
    const opening = new Uint8Array(8 + 1000);
    opening.set(header);
    expect(await rawExchange(transport.address().port, opening)).toContain('handshake frame too long');
  });

  it('takes only messages from the node named in the handshake, addressed to itself', async () => {
    const log: LogLine[] = [];
    const transport = await start(1, recordingLogger(log));
    const received: Message[] = [];
    transport.onMessage((m) => received.push(m));
    const socket = net.connect({ host: '127.0.0.1', port: transport.address().port });
    socket.on('error', () => {});
    socket.write(encodeHello(2, 1, TEST_LEASE));
    socket.write(encodeFrame([heartbeat(3, 1, 1), heartbeat(2, 4, 2), heartbeat(2, 1, 3)]));
    expect(await waitUntilReal(() => received.length >= 1, 10_000)).toBe(true);
    expect(received).toEqual([heartbeat(2, 1, 3)]);
    expect(log.filter((line) => line.message.includes('wrong sender or recipient'))).toHaveLength(2);
    // Garbage after the handshake ends the connection.
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.write('garbage');
    expect(await waitUntilReal(() => closed, 10_000)).toBe(true);
    expect(log.some((line) => line.message.includes('protocol error'))).toBe(true);
  });
});

/** The lease settings of the `standard` timing profile: they differ from TEST_LEASE's. */
const STANDARD_LEASE: LeaseSettings = { ...TEST_LEASE, tickIntervalMs: 20, electionTimeoutTicks: 50 };

async function startNamed(self: number, lease: LeaseSettings, log: LogLine[], port = 0): Promise<TcpTransport> {
  const started = await startTcpTransport({ self, listen: { host: '127.0.0.1', port }, peers: [], members: [1, 2], lease, logger: recordingLogger(log) });
  if (!started.ok) throw new Error(started.error);
  open.push(started.transport);
  return started.transport;
}

const messagesOf = (log: LogLine[], message: string): LogLine[] => log.filter((line) => line.message === message);

describe('TCP transport: peers must share their lease settings', () => {
  it('two transports with different timing refuse each other, log both values on both sides and report them', async () => {
    const logOne: LogLine[] = [];
    const logTwo: LogLine[] = [];
    const one = await startNamed(1, TEST_LEASE, logOne);
    const two = await startNamed(2, STANDARD_LEASE, logTwo);
    const received: Message[] = [];
    one.onMessage((m) => received.push(m));
    two.onMessage((m) => received.push(m));
    one.setPeerAddress(2, two.address());
    two.setPeerAddress(1, one.address());

    const bothRefused = () => one.refusedPeers().length === 1 && two.refusedPeers().length === 1;
    expect(await waitUntilReal(bothRefused, 10_000)).toBe(true);
    const reasonAtOne = 'lease settings differ (tick interval 20 ms at node 2, 10 ms at node 1; election timeout 50 ticks at node 2, 15 ticks at node 1): every node needs the same timing and read-lease';
    const reasonAtTwo = 'lease settings differ (tick interval 10 ms at node 1, 20 ms at node 2; election timeout 15 ticks at node 1, 50 ticks at node 2): every node needs the same timing and read-lease';
    expect(one.refusedPeers()).toEqual([{ peer: 2, reason: reasonAtOne }]);
    expect(two.refusedPeers()).toEqual([{ peer: 1, reason: reasonAtTwo }]);
    // Each node logs the refusal it made (an error) and the one it was told (the peer's line).
    const told = () => messagesOf(logOne, 'peer refused our connection').length > 0 && messagesOf(logTwo, 'peer refused our connection').length > 0;
    expect(await waitUntilReal(told, 10_000)).toBe(true);
    expect(messagesOf(logOne, 'refused a peer whose lease settings or protocol differ').map((line) => [line.level, line.fields['reason']])).toEqual([['error', reasonAtOne]]);
    // The line says only what differs: a refused peer does speak the peer protocol.
    expect(messagesOf(logOne, 'peer refused our connection')[0]?.fields['reply']).toBe(`-ERR kv-sim peer port: ${reasonAtTwo}`);
    expect(messagesOf(logTwo, 'peer refused our connection')[0]?.fields['reply']).toBe(`-ERR kv-sim peer port: ${reasonAtOne}`);

    // Messages sent meanwhile never arrive; the peers keep redialling (with backoff) and are
    // refused again, but each refusal is logged at error or warn level only once.
    const refusedAgain = () => messagesOf(logTwo, 'refused the peer again').length;
    const before = refusedAgain();
    one.send([heartbeat(1, 2, 1)]);
    two.send([heartbeat(2, 1, 1)]);
    expect(await waitUntilReal(() => refusedAgain() >= before + 2, 10_000)).toBe(true);
    expect(received).toEqual([]);
    for (const log of [logOne, logTwo]) {
      expect(messagesOf(log, 'refused a peer whose lease settings or protocol differ')).toHaveLength(1);
      expect(messagesOf(log, 'peer refused our connection')).toHaveLength(1);
      expect(messagesOf(log, 'connected to peer again')).toHaveLength(0);
    }
  });

  it('links once the peer comes back with the same settings, and says so', async () => {
    const logOne: LogLine[] = [];
    const one = await startNamed(1, TEST_LEASE, logOne);
    const two = await startNamed(2, STANDARD_LEASE, []);
    one.setPeerAddress(2, two.address());
    two.setPeerAddress(1, one.address());
    expect(await waitUntilReal(() => one.refusedPeers().length === 1, 10_000)).toBe(true);
    const port = two.address().port;
    two.close();
    const twoAgain = await startNamed(2, TEST_LEASE, [], port);
    const received: Message[] = [];
    twoAgain.onMessage((m) => received.push(m));
    twoAgain.setPeerAddress(1, one.address());
    one.setPeerAddress(2, twoAgain.address()); // cuts the redial backoff short
    expect(await waitUntilReal(() => one.refusedPeers().length === 0, 10_000)).toBe(true);
    expect(messagesOf(logOne, 'accepted the peer: its settings agree now')).toHaveLength(1);
    const delivered = () => {
      one.send([heartbeat(1, 2, 7)]);
      return received.length > 0;
    };
    expect(await waitUntilReal(delivered, 10_000)).toBe(true);
    expect(received[0]).toEqual(heartbeat(1, 2, 7));
  });

  it("refuses the first release's hello, which carries no settings, with a reason that says so", async () => {
    const transport = await start(1);
    const firstReleaseHello = new Uint8Array([0x6b, 0x76, 1, 2, 0, 0, 0, 2, 2, 1]); // node 2 calling node 1
    expect(await rawExchange(transport.address().port, firstReleaseHello)).toContain('node 2 speaks an older peer protocol that does not send its lease settings');
    expect(transport.refusedPeers()).toMatchObject([{ peer: 2 }]);
  });
});

describe('TCP transport: lifecycle', () => {
  it('releases its port on close(): the port can be bound again right away', async () => {
    const transport = await start(1);
    const { port } = transport.address();
    transport.close();
    const server = net.createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: '127.0.0.1', port }, () => resolve(true));
    });
    server.close();
    expect(bound).toBe(true);
  });

  it('leaves no socket, server or timer behind after close()', async () => {
    const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const timersBefore = count('Timeout');
    const mesh = await tcpMesh([1, 2, 3]);
    const two = mesh.get(2) as TcpTransport;
    two.close(); // the others now redial node 2 with backoff timers running
    expect(await waitUntilReal(() => mesh.get(1)?.connectedPeers().length === 1, 10_000)).toBe(true);
    for (const t of mesh.values()) t.close();
    expect(count('Timeout'), 'timers right after close').toBeLessThanOrEqual(timersBefore);
    // Handles finish closing within a turn or two of the event loop; no timer is needed for that.
    const released = await waitUntilReal(() => count('TCPSocketWrap') === 0 && count('TCPServerWrap') === 0, 10_000);
    expect(released, JSON.stringify(process.getActiveResourcesInfo())).toBe(true);
  });

  it('reports bad addresses as error values before touching the network', async () => {
    const badListen = await startTcpTransport({ self: 1, listen: { host: '127.0.0.1', port: 70_000 }, peers: [], lease: TEST_LEASE });
    expect(badListen).toEqual({ ok: false, error: 'node 1 listen address: port must be an integer in [0, 65535], got 70000' });
    const badPeer = await startTcpTransport({ self: 1, listen: { host: '127.0.0.1', port: 0 }, peers: [[2, { host: 'x', port: 0 }]], lease: TEST_LEASE });
    expect(badPeer).toEqual({ ok: false, error: 'address of peer 2: port must be an integer in [1, 65535], got 0' });
    const transport = await start(1);
    expect(() => transport.setPeerAddress(3, { host: '127.0.0.1', port: -1 })).toThrow(RangeError);
  });

  it('keeps a working connection when told the same peer address again', async () => {
    const mesh = await tcpMesh([1, 2]);
    const one = mesh.get(1) as TcpTransport;
    const two = mesh.get(2) as TcpTransport;
    open.push(one, two);
    const received: Message[] = [];
    two.onMessage((m) => received.push(m));
    one.send([heartbeat(1, 2, 1)]);
    one.setPeerAddress(2, two.address()); // a supervisor re-pushing the full peer map
    one.send([heartbeat(1, 2, 2)]);
    expect(one.connectedPeers()).toEqual([2]);
    expect(await waitUntilReal(() => received.length >= 2, 10_000)).toBe(true);
    expect(received).toEqual([heartbeat(1, 2, 1), heartbeat(1, 2, 2)]);
  });

  it('reports a port in use as an error value', async () => {
    const transport = await start(1);
    const second = await startTcpTransport({ self: 3, listen: { host: '127.0.0.1', port: transport.address().port }, peers: [], lease: TEST_LEASE });
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.error).toMatch(/cannot listen for peers on 127\.0\.0\.1:\d+: EADDRINUSE/);
  });

  it('reconnects to a peer that restarts on the same port, with bounded backoff', async () => {
    const mesh = await tcpMesh([1, 2]);
    const one = mesh.get(1) as TcpTransport;
    const two = mesh.get(2) as TcpTransport;
    open.push(one, two);
    const port = two.address().port;
    two.close();
    expect(await waitUntilReal(() => one.connectedPeers().length === 0, 10_000)).toBe(true);
    one.send([heartbeat(1, 2, 1)]); // peer down: dropped (or, if a redial is in flight, briefly queued)

    const log: LogLine[] = [];
    const twoAgain = await startTcpTransport({
      self: 2,
      listen: { host: '127.0.0.1', port },
      peers: [[1, one.address()]],
      lease: TEST_LEASE,
      logger: recordingLogger(log),
    });
    if (!twoAgain.ok) throw new Error(twoAgain.error);
    open.push(twoAgain.transport);
    const received: Message[] = [];
    twoAgain.transport.onMessage((m) => received.push(m));
    expect(await waitUntilReal(() => one.connectedPeers().includes(2), 10_000)).toBe(true);
    one.send([heartbeat(1, 2, 2)]);
    expect(await waitUntilReal(() => received.some((m) => m.type === 'heartbeat' && m.readSeq === 2), 10_000)).toBe(true);
    expect(received.at(-1)).toEqual(heartbeat(1, 2, 2));
  });
});
