/**
 * The Transport over TCP, and the one file that imports node:net. Each node listens on one port
 * and dials each peer; every connection carries one direction (see peer_protocol.ts). Frames come
 * from the pure codec; each send() writes at most one frame per peer. A peer that is down costs
 * nothing but dropped messages (Raft retries); redials back off exponentially up to a bound.
 * A peer whose lease settings differ from ours is refused on every hello (see LeaseSettings).
 */
import * as net from 'node:net';
import type { Message, NodeId } from '../core/types.js';
import { SILENT_LOGGER, type Logger } from '../ports/logger.js';
import type { Transport } from '../ports/transport.js';
import { encodeFrames, encodeHello, FrameDecoder } from './codec.js';
import type { LinkRules, LinkRulesState } from './link_rules.js';
import {
  addressProblem,
  CONNECT_TIMEOUT_MS,
  HANDSHAKE_BYTES_MAX,
  HANDSHAKE_TIMEOUT_MS,
  isSilentPeer,
  judgeHandshake,
  type LeaseSettings,
  nextBackoffMs,
  OUTBOX_BYTES_MAX,
  PEER_SILENCE_CHECK_MS,
  peerRefusalLine,
  RECONNECT_BACKOFF_INITIAL_MS,
  REFUSAL_LINE_BYTES_MAX,
  REFUSAL_LINGER_MS,
  refusalLine,
  SOCKET_BACKLOG_BYTES_MAX,
} from './peer_protocol.js';
import { RoutedSender } from './routed_sender.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface TcpTransportOptions {
  self: NodeId;
  /** Where to listen; port 0 picks a free port (see address()). */
  listen: PeerAddress;
  /** Where each peer listens; may be completed later with setPeerAddress(). */
  peers: Iterable<[NodeId, PeerAddress]>;
  members?: readonly NodeId[];
  /** Sent in every hello; a peer whose own differ is refused (and refuses us). */
  lease: LeaseSettings;
  seed?: number;
  logger?: Logger;
  nowMs?: () => number;
  /** Default HANDSHAKE_TIMEOUT_MS. */
  handshakeTimeoutMs?: number;
}

/** bindCode: why the listen itself failed (EADDRINUSE, ...), when that was the problem. */
export type TcpTransportStart = { ok: true; transport: TcpTransport } | { ok: false; error: string; bindCode?: string };

/** Listens, then dials every peer; a bad address or a port in use is an error value, not a throw. */
export function startTcpTransport(options: TcpTransportOptions): Promise<TcpTransportStart> {
  const listenProblem = addressProblem(options.listen, true);
  if (listenProblem !== null) return Promise.resolve({ ok: false, error: `node ${options.self} listen address: ${listenProblem}` });
  const peers = [...options.peers];
  for (const [peer, address] of peers) {
    const problem = addressProblem(address, false);
    if (problem !== null) return Promise.resolve({ ok: false, error: `address of peer ${peer}: ${problem}` });
  }
  options = { ...options, peers };
  return new Promise((resolve) => {
    const server = net.createServer({ noDelay: true });
    const onError = (error: NodeJS.ErrnoException): void => {
      server.close();
      const bindCode = error.code ?? error.message;
      resolve({ ok: false, error: `node ${options.self} cannot listen for peers on ${options.listen.host}:${options.listen.port}: ${bindCode}`, bindCode });
    };
    server.once('error', onError);
    server.listen({ host: options.listen.host, port: options.listen.port }, () => {
      server.off('error', onError);
      resolve({ ok: true, transport: new TcpTransport(options, server) });
    });
  });
}

type LinkState = 'connecting' | 'open' | 'backoff' | 'closed';

/** The outgoing half towards one peer. */
interface OutLink {
  peer: NodeId;
  address: PeerAddress;
  state: LinkState;
  socket: net.Socket | null;
  outbox: Uint8Array[];
  outboxBytes: number;
  backoffMs: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** Set once a failure is logged, so a peer that stays down does not flood the log. */
  downLogged: boolean;
  /** The peer's last refusal line, logged once however often it repeats; null once a connection was accepted. */
  refusal: string | null;
  /** Monotonic ms: when the connection opened, and when we last wrote to it. */
  openedAtMs: number;
  lastSentMs: number;
}

/** An accepted connection: anonymous until its hello frame names a peer. */
interface Inbound {
  socket: net.Socket;
  remote: string;
  decoder: FrameDecoder;
  peer: NodeId | null;
  /** Set once refused, dropped or closed: nothing more it sends is read. */
  done: boolean;
  handshakeTimer: ReturnType<typeof setTimeout> | null;
  lingerTimer: ReturnType<typeof setTimeout> | null;
}

function stopInboundTimers(conn: Inbound): void {
  if (conn.handshakeTimer !== null) clearTimeout(conn.handshakeTimer);
  if (conn.lingerTimer !== null) clearTimeout(conn.lingerTimer);
  conn.handshakeTimer = null;
  conn.lingerTimer = null;
}

export class TcpTransport implements Transport {
  private readonly self: NodeId;
  private readonly lease: LeaseSettings;
  private readonly logger: Logger;
  private readonly server: net.Server;
  private readonly sender: RoutedSender;
  private readonly links = new Map<NodeId, OutLink>();
  private readonly inbound = new Map<net.Socket, Inbound>();
  private readonly inboundByPeer = new Map<NodeId, net.Socket>();
  private readonly handshakeTimeoutMs: number;
  private handler: ((message: Message) => void) | null = null;
  private closed = false;
  /** Monotonic ms when each peer last sent us a batch. */
  private readonly lastHeardMs = new Map<NodeId, number>();
  /** Known peers whose latest hello we refused (settings or format disagree), with why. */
  private readonly refused = new Map<NodeId, string>();
  private readonly silenceTimer: ReturnType<typeof setInterval>;

  /** Use startTcpTransport(), which binds the server first. */
  constructor(options: TcpTransportOptions, server: net.Server) {
    this.self = options.self;
    this.lease = options.lease;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.server = server;
    const peers = [...options.peers];
    this.sender = new RoutedSender({
      self: options.self,
      members: options.members ?? [options.self, ...peers.map(([id]) => id)],
      seed: options.seed ?? options.self,
      ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}),
      deliver: (peer, batch) => this.write(peer, batch),
    });
    this.silenceTimer = setInterval(() => this.redialSilentPeers(), PEER_SILENCE_CHECK_MS);
    this.silenceTimer.unref();
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (error) => this.logger.error({ error: String(error) }, 'peer server error'));
    for (const [peer, address] of peers) this.setPeerAddress(peer, address);
  }

  get rules(): LinkRules {
    return this.sender.rules;
  }

  /** The address actually bound (the real port when 0 was asked for). */
  address(): PeerAddress {
    const bound = this.server.address();
    if (bound === null || typeof bound === 'string') return { host: '', port: 0 };
    return { host: bound.address, port: bound.port };
  }

  send(messages: readonly Message[]): void {
    this.sender.send(messages);
  }

  onMessage(handler: (message: Message) => void): void {
    this.handler = handler;
  }

  setRules(state: LinkRulesState): void {
    this.sender.setRules(state);
  }

  /** Known peers whose latest hello was refused because their lease settings or wire format differ. */
  refusedPeers(): Array<{ peer: NodeId; reason: string }> {
    return [...this.refused].sort(([a], [b]) => a - b).map(([peer, reason]) => ({ peer, reason }));
  }

  /** Peers with an open outgoing connection (handshake written). */
  connectedPeers(): NodeId[] {
    return [...this.links.values()].filter((link) => link.state === 'open').map((link) => link.peer);
  }

  /**
   * Sets or changes where a peer listens. A new address is dialled at once. The same address
   * again keeps a working connection and only cuts a backoff wait short (the caller is telling
   * us the peer is back), so pushing the whole peer map after one restart disturbs nobody else.
   */
  setPeerAddress(peer: NodeId, address: PeerAddress): void {
    const problem = addressProblem(address, false);
    if (problem !== null) throw new RangeError(`address of peer ${peer}: ${problem}`);
    if (this.closed || peer === this.self) return;
    const old = this.links.get(peer);
    if (old !== undefined && old.address.host === address.host && old.address.port === address.port) {
      if (old.state === 'backoff') {
        this.clearTimer(old);
        this.dial(old);
      }
      return;
    }
    if (old !== undefined) this.dropLink(old);
    const link: OutLink = { peer, address, state: 'connecting', socket: null, outbox: [], outboxBytes: 0, backoffMs: 0, timer: null, downLogged: false, refusal: null, openedAtMs: 0, lastSentMs: 0 };
    this.links.set(peer, link);
    this.dial(link);
  }

  /** Releases the port, every socket and every timer, synchronously. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = null;
    clearInterval(this.silenceTimer);
    this.sender.close();
    this.server.close();
    for (const link of this.links.values()) this.dropLink(link);
    this.links.clear();
    for (const conn of this.inbound.values()) {
      stopInboundTimers(conn);
      conn.socket.destroy();
    }
    this.inbound.clear();
    this.inboundByPeer.clear();
  }

  // ---- outgoing ---------------------------------------------------------------------------

  private dial(link: OutLink): void {
    link.state = 'connecting';
    const socket = net.connect({ host: link.address.host, port: link.address.port, noDelay: true });
    link.socket = socket;
    link.timer = setTimeout(() => socket.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    let refusedUs = false;
    socket.once('connect', () => {
      if (link.socket !== socket) return;
      this.clearTimer(link);
      link.state = 'open';
      link.openedAtMs = performance.now();
      // After a refusal, connecting proves nothing: the peer judges our hello next.
      if (link.downLogged && link.refusal === null) {
        this.logger.info({ peer: link.peer }, 'connected to peer again');
        link.downLogged = false;
      }
      socket.write(encodeHello(this.self, link.peer, this.lease));
      for (const frame of link.outbox) socket.write(frame);
      link.outbox = [];
      link.outboxBytes = 0;
    });
    // The acceptor never writes, except one refusal line: show it to whoever reads the log, once.
    socket.on('data', (chunk: Buffer) => {
      if (refusedUs) return;
      refusedUs = true;
      const reply = chunk.toString('utf8', 0, REFUSAL_LINE_BYTES_MAX).trim();
      if (reply !== link.refusal) this.logger.warn({ peer: link.peer, reply }, 'peer refused our connection');
      link.refusal = reply;
      link.downLogged = true;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!link.downLogged) this.logger.warn({ peer: link.peer, error: error.code ?? error.message }, 'cannot reach peer; retrying with backoff');
      link.downLogged = true;
    });
    socket.once('close', () => {
      if (link.socket !== socket || link.state === 'closed') return;
      // A connection that opened and was not refused worked: redial it soon. A refused one backs
      // off like a dead peer, so a peer that keeps refusing is not redialled 20 times a second.
      const worked = link.state === 'open' && !refusedUs;
      this.clearTimer(link);
      link.socket = null;
      link.state = 'backoff';
      link.outbox = [];
      link.outboxBytes = 0;
      if (worked) link.refusal = null;
      link.backoffMs = worked ? RECONNECT_BACKOFF_INITIAL_MS : nextBackoffMs(link.backoffMs);
      link.timer = setTimeout(() => {
        link.timer = null;
        if (link.state === 'backoff') this.dial(link);
      }, link.backoffMs);
    });
  }

  private write(peer: NodeId, batch: Message[]): void {
    const link = this.links.get(peer);
    if (link === undefined || link.state === 'backoff' || link.state === 'closed') return; // dropped
    const { frames, oversized } = encodeFrames(batch);
    if (oversized.length > 0) this.logger.error({ peer, count: oversized.length }, 'dropped messages larger than a frame may be');
    for (const frame of frames) {
      if (link.state === 'open' && link.socket !== null) {
        if (link.socket.writableLength > SOCKET_BACKLOG_BYTES_MAX) return; // peer not reading: drop
        link.socket.write(frame);
        link.lastSentMs = performance.now();
      } else if (link.outboxBytes + frame.length <= OUTBOX_BYTES_MAX) {
        link.outbox.push(frame);
        link.outboxBytes += frame.length;
      }
    }
  }

  /** Drops connections to peers that stopped answering; the close handler redials them. */
  private redialSilentPeers(): void {
    const nowMs = performance.now();
    for (const link of this.links.values()) {
      if (link.state !== 'open' || link.socket === null) continue;
      if (!isSilentPeer(nowMs, link, this.lastHeardMs.get(link.peer) ?? 0)) continue;
      this.logger.debug({ peer: link.peer }, 'peer silent while we write to it: redialling');
      link.socket.destroy();
    }
  }

  private dropLink(link: OutLink): void {
    link.state = 'closed';
    this.clearTimer(link);
    link.socket?.destroy();
    link.socket = null;
    link.outbox = [];
  }

  private clearTimer(link: OutLink): void {
    if (link.timer !== null) clearTimeout(link.timer);
    link.timer = null;
  }

  // ---- incoming ---------------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const conn: Inbound = {
      socket,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      decoder: new FrameDecoder(),
      peer: null,
      done: false,
      handshakeTimer: null,
      lingerTimer: null,
    };
    conn.handshakeTimer = setTimeout(() => this.refuse(conn, 'no handshake in time'), this.handshakeTimeoutMs);
    this.inbound.set(socket, conn);
    socket.on('data', (chunk: Buffer) => this.onInboundData(conn, chunk));
    socket.on('error', () => {}); // a reset by the peer ends in 'close'; nothing else to do
    socket.once('close', () => {
      conn.done = true;
      stopInboundTimers(conn);
      this.inbound.delete(socket);
      if (conn.peer !== null && this.inboundByPeer.get(conn.peer) === socket) this.inboundByPeer.delete(conn.peer);
    });
  }

  private onInboundData(conn: Inbound, chunk: Buffer): void {
    if (conn.done) return;
    const { frames, error } = conn.decoder.push(chunk);
    for (const frame of frames) {
      if (conn.peer === null) {
        const verdict = judgeHandshake(frame, this.self, new Set(this.links.keys()), this.lease);
        if (!verdict.ok) {
          return verdict.peer === null ? this.refuse(conn, verdict.reason, verdict.speaksPeerProtocol) : this.refusePeer(conn, verdict.peer, verdict.reason);
        }
        conn.peer = verdict.peer;
        stopInboundTimers(conn);
        this.adoptInbound(verdict.peer, conn.socket);
      } else if (frame.kind !== 'batch') {
        return this.dropInbound(conn, 'a second hello frame');
      } else {
        this.deliver(conn.peer, frame.messages);
        if (this.closed || conn.done) return;
      }
    }
    if (error !== null) {
      if (conn.peer !== null) return this.dropInbound(conn, `bad frame: ${error.reason} (${error.detail})`);
      const verdict = judgeHandshake(error, this.self, new Set(this.links.keys()), this.lease);
      this.refuse(conn, verdict.ok ? 'protocol error' : verdict.reason);
    } else if (conn.peer === null && conn.decoder.bufferedBytes > HANDSHAKE_BYTES_MAX) {
      this.refuse(conn, 'handshake frame too long');
    }
  }

  /**
   * One line back to a caller that is not a peer of ours, then hang up; nothing it sent is acted on.
   * A misdialling kv-sim node (it speaks the peer protocol) reads only what is wrong.
   */
  private refuse(conn: Inbound, reason: string, speaksPeerProtocol = false): void {
    if (conn.done) return;
    this.logger.warn({ remote: conn.remote, reason }, 'refused a connection on the peer port');
    this.hangUp(conn, speaksPeerProtocol ? peerRefusalLine(reason) : refusalLine(reason));
  }

  /**
   * Refuses a known peer that cannot be linked with as configured: an error an operator must fix,
   * logged once per reason (the peer redials every couple of seconds) and kept for status.
   */
  private refusePeer(conn: Inbound, peer: NodeId, reason: string): void {
    if (conn.done) return;
    if (this.refused.get(peer) === reason) this.logger.debug({ peer, reason }, 'refused the peer again');
    else this.logger.error({ peer, remote: conn.remote, reason }, 'refused a peer whose lease settings or protocol differ');
    this.refused.set(peer, reason);
    this.hangUp(conn, peerRefusalLine(reason));
  }

  private hangUp(conn: Inbound, line: string): void {
    conn.done = true;
    stopInboundTimers(conn);
    conn.socket.end(line);
    conn.lingerTimer = setTimeout(() => conn.socket.destroy(), REFUSAL_LINGER_MS);
  }

  /** A peer that redials replaces its old connection (the old one may be half dead). */
  private adoptInbound(peer: NodeId, socket: net.Socket): void {
    if (this.refused.delete(peer)) this.logger.info({ peer }, 'accepted the peer: its settings agree now');
    const old = this.inboundByPeer.get(peer);
    if (old !== undefined && old !== socket) old.destroy();
    this.inboundByPeer.set(peer, socket);
  }

  private dropInbound(conn: Inbound, why: string): void {
    conn.done = true;
    this.logger.warn({ peer: conn.peer, why }, 'closing a peer connection after a protocol error');
    conn.socket.destroy();
  }


  private deliver(peer: NodeId, messages: Message[]): void {
    const handler = this.handler;
    if (handler === null) return;
    this.lastHeardMs.set(peer, performance.now());
    for (const message of messages) {
      // A connection speaks for the node that named itself in the handshake, and only to us.
      if (message.from !== peer || message.to !== this.self) {
        this.logger.warn({ peer, from: message.from, to: message.to }, 'dropped a message with a wrong sender or recipient');
        continue;
      }
      handler(message);
      if (this.closed) return;
    }
  }
}
