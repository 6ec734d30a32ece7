/**
 * The HTTP port of a node: a TCP listener whose connections are HttpConnections (our own lean
 * HTTP/1.1, in front of handleHttp in http_api.ts). node:http cost about 60% of the leader's
 * thread per request under load (its request/response streams, header objects, a writev per
 * response); this front end parses the head in one pass and writes each response with one write.
 * Limits: request line plus headers HTTP_HEAD_MAX_BYTES (431), body HTTP_BODY_MAX_BYTES (413);
 * a handler that throws answers 500 for that request only; past HTTP_CONNECTIONS_MAX open
 * connections a new one is answered 503 and closed, and the open ones are served as before.
 * While the node is paused nothing is read or written (see socket_gate.ts), and the timeouts
 * count only the time it runs (see node_pause.ts).
 */
import * as net from 'node:net';
import { formatHostPort } from '../../lib/host_port.js';
import { SILENT_LOGGER, type Logger } from '../../ports/logger.js';
import { NodePause } from '../node_pause.js';
import { PausedAccepts, SocketGate } from '../socket_gate.js';
import type { HttpContext } from './http_api.js';
import { HTTP_TIMEOUTS, HttpConnection, type HttpConnectionIo, type HttpTimeouts } from './http_connection.js';
import type { RequestParserLimits } from './request_parser.js';
import { refuseConnection } from '../refuse_connection.js';
import { formatResponse } from './response_writer.js';

/** Largest request body accepted (a value plus its JSON wrapping). */
export const HTTP_BODY_MAX_BYTES = 8 * 1024 * 1024;
/** Largest request line plus headers, as node:http allows by default. */
export const HTTP_HEAD_MAX_BYTES = 16 * 1024;
/**
 * Client connections open at once on one HTTP port. Each costs a file descriptor and buffers, in
 * the process that also runs Raft.
 */
export const HTTP_CONNECTIONS_MAX = 1_024;
/** The sweep that enforces timeouts runs at least this often (more often for shorter timeouts). */
const TIMEOUT_CHECK_INTERVAL_MAX_MS = 1_000;
const TIMEOUT_CHECK_INTERVAL_MIN_MS = 10;

export interface HttpServerOptions extends HttpContext {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  bodyMaxBytes?: number;
  /** Open connections past which new ones are refused; HTTP_CONNECTIONS_MAX by default. */
  connectionsMax?: number;
  timeouts?: Partial<HttpTimeouts>;
  logger?: Logger;
  /** The node's pause; by default one that never pauses. */
  pause?: NodePause;
}

export class HttpServer {
  private readonly server: net.Server;
  private readonly connections = new Map<net.Socket, HttpConnection>();
  private readonly options: HttpServerOptions;
  private readonly timeouts: HttpTimeouts;
  private readonly limits: RequestParserLimits;
  private readonly connectionsMax: number;
  private readonly logger: Logger;
  private readonly pause: NodePause;
  private readonly accepts: PausedAccepts;
  private readonly timeoutCheck: NodeJS.Timeout;
  /** Refusing connections over the limit: logged once, when it starts. */
  private refusing = false;

  private constructor(server: net.Server, options: HttpServerOptions) {
    this.server = server;
    this.options = options;
    const timeouts: HttpTimeouts = { ...HTTP_TIMEOUTS, ...options.timeouts };
    this.timeouts = timeouts;
    this.limits = { headMaxBytes: HTTP_HEAD_MAX_BYTES, bodyMaxBytes: options.bodyMaxBytes ?? HTTP_BODY_MAX_BYTES };
    this.connectionsMax = options.connectionsMax ?? HTTP_CONNECTIONS_MAX;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.pause = options.pause ?? new NodePause();
    this.accepts = new PausedAccepts(this.pause, (socket) => this.onConnection(socket));
    const shortestMs = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs, timeouts.keepAliveTimeoutMs, timeouts.writeTimeoutMs);
    const intervalMs = Math.max(TIMEOUT_CHECK_INTERVAL_MIN_MS, Math.min(TIMEOUT_CHECK_INTERVAL_MAX_MS, shortestMs / 4));
    this.timeoutCheck = setInterval(() => {
      const nowMs = this.pause.nowMs();
      for (const connection of this.connections.values()) connection.checkTimeouts(nowMs);
    }, intervalMs);
    this.timeoutCheck.unref();
  }

  static start(options: HttpServerOptions): Promise<HttpServer> {
    // Half-open: a client may send its last request and close its side before the answer comes.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    const instance = new HttpServer(server, options);
    server.on('connection', (socket) => instance.accepts.offer(socket));
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
        clearInterval(instance.timeoutCheck);
        instance.accepts.close();
        reject(error);
      };
      server.once('error', failed);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', failed);
        resolve(instance);
      });
    });
  }

  address(): { host: string; port: number } {
    const address = this.server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** Answers the connections hold unsent, all together (see UNSENT_ANSWER_BYTES_MAX). */
  unsentBytes(): number {
    let bytes = 0;
    for (const connection of this.connections.values()) bytes += connection.unsentBytes();
    return bytes;
  }

  /** Stops listening and drops every connection, idle or not. */
  close(): Promise<void> {
    clearInterval(this.timeoutCheck);
    this.accepts.close();
    for (const socket of this.connections.keys()) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: net.Socket): void {
    if (this.connections.size >= this.connectionsMax) return this.refuse(socket);
    this.refusing = false;
    const remote = formatHostPort({ host: socket.remoteAddress ?? 'unknown', port: socket.remotePort ?? 0 });
    const { options, limits, timeouts, logger, pause } = this;
    const io = ioOf(socket, new SocketGate(socket, pause));
    this.accept(socket, new HttpConnection(io, { context: options, limits, timeouts, nowMs: () => pause.nowMs(), logger, remote }));
  }

  private accept(socket: net.Socket, connection: HttpConnection): void {
    this.connections.set(socket, connection);
    socket.on('data', (chunk: Buffer) => connection.onData(chunk));
    socket.on('drain', () => connection.onDrain());
    socket.on('end', () => connection.onPeerEnd());
    socket.on('error', () => socket.destroy()); // resets and the like; 'close' follows
    socket.on('close', () => {
      this.connections.delete(socket);
      connection.onClose();
    });
  }

  /** A connection over the limit: one 503 without reading a request, then close. */
  private refuse(socket: net.Socket): void {
    if (!this.refusing) {
      this.refusing = true;
      this.logger.warn({ connectionsMax: this.connectionsMax }, 'HTTP port at its connection limit: refusing new connections with 503');
    }
    const body = `this node has ${this.connectionsMax} HTTP connections open, its limit: retry later or reuse a connection\n`;
    const answer = { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }, body };
    refuseConnection(socket, formatResponse(answer, { headOnly: false, close: true, http10: false, keepAliveTimeoutS: 0 }));
  }
}

function ioOf(socket: net.Socket, gate: SocketGate): HttpConnectionIo {
  return {
    write: (text) => socket.destroyed || socket.write(text),
    bufferedBytes: () => socket.writableLength,
    end: (onFlushed) => gate.end(onFlushed),
    destroy: () => socket.destroy(),
    pause: () => gate.setReading(false),
    resume: () => gate.setReading(true),
  };
}
