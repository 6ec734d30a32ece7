/**
 * The RESP port of a node: a TCP listener whose connections are RespConnections. The only user of
 * node:net under src/server. Reading pauses while a connection's request queue is full or while
 * the client is not reading its replies (the socket's write buffer is over its high-water mark);
 * queued requests wait too once RESP_MAX_UNSENT_REPLY_BYTES of replies are unsent. While the node
 * is paused, nothing is read or written at all (see socket_gate.ts).
 */
import * as net from 'node:net';
import type { RequestParserLimits } from '../../lib/resp/request_parser.js';
import { SILENT_LOGGER, type Logger } from '../../ports/logger.js';
import { NodePause } from '../node_pause.js';
import { refuseConnection } from '../refuse_connection.js';
import { PausedAccepts, SocketGate } from '../socket_gate.js';
import type { KvBackend } from './backend.js';
import { RespConnection } from './connection.js';
import type { ServerContext } from './dispatch.js';

/**
 * Client connections open at once on one RESP port (Redis's maxclients). Each costs a file
 * descriptor, and the emulator's nodes share one process's: without a bound, one client opening
 * connections by the thousand took every node's ports down with it.
 */
export const RESP_CLIENTS_MAX = 4_096;

export interface RespServerOptions {
  backend: KvBackend;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  limits?: Partial<RequestParserLimits>;
  /** Open connections past which new ones are refused; RESP_CLIENTS_MAX by default. */
  clientsMax?: number;
  logger?: Logger;
  /** The node's pause; by default one that never pauses. */
  pause?: NodePause;
}

export class RespServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly clientsMax: number;
  private readonly logger: Logger;
  private readonly pause: NodePause;
  private readonly context: ServerContext;
  private readonly limits: Partial<RequestParserLimits>;
  private readonly accepts: PausedAccepts;
  /** Refusing connections over the limit: logged once, when it starts. */
  private refusing = false;
  private nextClientId = 1;

  private constructor(server: net.Server, options: RespServerOptions) {
    this.server = server;
    this.clientsMax = options.clientsMax ?? RESP_CLIENTS_MAX;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.pause = options.pause ?? new NodePause();
    this.context = { backend: options.backend, connectedClients: () => this.sockets.size };
    this.limits = options.limits ?? {};
    this.accepts = new PausedAccepts(this.pause, (socket) => this.onConnection(socket));
  }

  static start(options: RespServerOptions): Promise<RespServer> {
    const server = net.createServer();
    const instance = new RespServer(server, options);
    server.on('connection', (socket) => instance.accepts.offer(socket));
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => {
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

  /** The bound address, e.g. to learn the port picked for port 0. */
  address(): { host: string; port: number } {
    const address = this.server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    this.accepts.close();
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** A connection over the limit gets Redis's error and is closed. */
  private refuse(socket: net.Socket): void {
    if (!this.refusing) {
      this.refusing = true;
      this.logger.warn({ clientsMax: this.clientsMax }, 'RESP port at its client limit: refusing new connections');
    }
    refuseConnection(socket, '-ERR max number of clients reached\r\n');
  }

  private onConnection(socket: net.Socket): void {
    if (this.sockets.size >= this.clientsMax) return this.refuse(socket);
    this.refusing = false;
    this.accept(socket);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const gate = new SocketGate(socket, this.pause);
    let inputPaused = false;
    let outputBlocked = false;
    const updateFlow = (): void => gate.setReading(!inputPaused && !outputBlocked);
    const connection = new RespConnection(this.nextClientId++, this.context, {
      write: (bytes) => {
        if (socket.destroyed) return;
        if (!socket.write(bytes)) {
          outputBlocked = true;
          updateFlow();
        }
      },
      unsentBytes: () => socket.writableLength,
      end: () => gate.end(),
      pause: () => {
        inputPaused = true;
        updateFlow();
      },
      resume: () => {
        inputPaused = false;
        updateFlow();
      },
    }, this.limits);
    socket.on('drain', () => {
      outputBlocked = false;
      updateFlow();
      connection.onDrain();
    });
    socket.on('data', (chunk: Buffer) => connection.onData(chunk));
    socket.on('error', () => socket.destroy()); // resets and the like; 'close' follows
    socket.on('close', () => {
      this.sockets.delete(socket);
      connection.onClose();
    });
  }
}
