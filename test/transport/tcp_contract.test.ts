import type { NodeId } from '../../src/core/types.js';
import { startTcpTransport, type TcpTransport } from '../../src/transport/tcp_transport.js';
import { runTransportContract } from '../contracts/transport_contract.js';
import { waitUntilReal } from './wait.js';

/** Transports on free loopback ports, told each other's addresses, connected both ways. */
export async function tcpMesh(members: NodeId[]): Promise<Map<NodeId, TcpTransport>> {
  const transports = new Map<NodeId, TcpTransport>();
  for (const id of members) {
    const started = await startTcpTransport({ self: id, listen: { host: '127.0.0.1', port: 0 }, peers: [], members });
    if (!started.ok) throw new Error(started.error);
    transports.set(id, started.transport);
  }
  for (const [id, transport] of transports) {
    for (const [peer, other] of transports) if (peer !== id) transport.setPeerAddress(peer, other.address());
  }
  const connected = await waitUntilReal(
    () => [...transports.values()].every((t) => t.connectedPeers().length === members.length - 1),
    10_000,
  );
  if (!connected) throw new Error('tcp mesh did not connect within 10 s');
  return transports;
}

runTransportContract('TCP', async (members) => {
  const transports = await tcpMesh(members);
  return {
    transports,
    waitUntil: waitUntilReal,
    close: async () => {
      for (const t of transports.values()) t.close();
    },
  };
});
