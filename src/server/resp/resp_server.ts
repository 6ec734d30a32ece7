/**
 * The RESP port of a node: a TCP listener whose connections are RespConnections. The only user of
 * node:net under src/server. Reading pauses while a connection's request queue is full or while
 * the client is not reading its replies (the socket's write buffer is over its high-water mark);
 * queued requests wait too once RESP_MAX_UNSENT_REPLY_BYTES of replies are unsent.
 */
import * as net from 'node:net';
import type { RequestParserLimits } from '../../lib/resp/request_parser.js';
import type { KvBackend } from './backend.js';
import { RespConnection } from './connection.js';
import type { ServerContext } from './dispatch.js';

export interface RespServerOptions {
  backend: KvBackend;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  limits?: Partial<RequestParserLimits>;
}

export class RespServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private nextClientId = 1;

  private constructor(server: net.Server) {
    this.server = server;
  }

  static start(options: RespServerOptions): Promise<RespServer> {
    const server = net.createServer();
    const instance = new RespServer(server);
    const context: ServerContext = {
      backend: options.backend,
      connectedClients: () => instance.sockets.size,
    };
    server.on('connection', (socket) => instance.accept(socket, context, options.limits ?? {}));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
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
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket, context: ServerContext, limits: Partial<RequestParserLimits>): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let inputPaused = false;
    let outputBlocked = false;
    const updateFlow = (): void => {
      if (inputPaused || outputBlocked) socket.pause();
      else socket.resume();
    };
    const connection = new RespConnection(this.nextClientId++, context, {
      write: (bytes) => {
        if (socket.destroyed) return;
        if (!socket.write(bytes)) {
          outputBlocked = true;
          updateFlow();
        }
      },
      unsentBytes: () => socket.writableLength,
      end: () => socket.end(),
      pause: () => {
        inputPaused = true;
        updateFlow();
      },
      resume: () => {
        inputPaused = false;
        updateFlow();
      },
    }, limits);
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
