/** What every HTTP listener of a node (the client API, the control plane) does the same way. */
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export function listeningAddress(server: http.Server): { host: string; port: number } {
  const address = server.address() as AddressInfo;
  return { host: address.address, port: address.port };
}

/** Stops listening and drops every connection, idle or not. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
