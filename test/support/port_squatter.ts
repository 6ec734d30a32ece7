/** Holding a port the way another program would, for tests of what kv-sim does when it finds one taken. */
import { createServer, type Server } from 'node:net';

/** Listens on host:port; connections to it (peers dialling the node that should be there) are dropped at once. */
export function holdPort(port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ port, host }, () => resolve(server));
  });
}

export function releasePort(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
