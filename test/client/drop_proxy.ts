/**
 * Test helper: a TCP proxy in front of one node's RESP port that passes requests through but
 * swallows every reply on its FIRST connection. A write sent through it is applied by the
 * cluster while its reply is lost on the way back: the case exactly-once sessions exist for.
 * Later connections pass replies through. When the node goes away, the client side is closed.
 */
import { createServer, Socket, type Server } from 'node:net';

export class DropProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  /** Reply bytes swallowed so far. */
  droppedBytes = 0;

  private constructor(server: Server) {
    this.server = server;
  }

  static start(upstream: { host: string; port: number }): Promise<DropProxy> {
    const server = createServer();
    const proxy = new DropProxy(server);
    server.on('connection', (client) => proxy.accept(client, upstream));
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(proxy)));
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, upstream: { host: string; port: number }): void {
    const dropping = this.connections++ === 0;
    const node = new Socket();
    for (const socket of [client, node]) {
      this.sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        node.destroy();
      });
    }
    client.on('data', (chunk) => node.write(chunk));
    node.on('data', (chunk) => {
      if (dropping) this.droppedBytes += chunk.length;
      else client.write(chunk);
    });
    node.connect(upstream.port, upstream.host);
  }
}
