import { MessageChannel } from 'node:worker_threads';
import type { NodeId } from '../../src/core/types.js';
import { ChannelTransport, type ChannelEncoding } from '../../src/transport/channel_transport.js';
import type { LeaseSettings } from '../../src/transport/peer_protocol.js';
import { startTcpTransport, type TcpTransport } from '../../src/transport/tcp_transport.js';
import { waitUntilReal } from './wait.js';

/** The lease settings of the `fast` timing profile: what TCP transports in tests agree on. */
export const TEST_LEASE: LeaseSettings = { tickIntervalMs: 10, electionTimeoutTicks: 15, heartbeatIntervalTicks: 5, checkQuorum: true, readLease: true };

/** A full mesh of MessageChannels in this thread: one channel per pair of nodes. */
export function channelMesh(members: NodeId[], encoding: ChannelEncoding = 'frame'): Map<NodeId, ChannelTransport> {
  const transports = new Map<NodeId, ChannelTransport>();
  for (const id of members) transports.set(id, new ChannelTransport({ self: id, peers: [], members, encoding }));
  for (const a of members) {
    for (const b of members) {
      if (a >= b) continue;
      const { port1, port2 } = new MessageChannel();
      transports.get(a)?.attachPeer(b, port1);
      transports.get(b)?.attachPeer(a, port2);
    }
  }
  return transports;
}

/** Transports on free loopback ports, told each other's addresses, connected both ways. */
export async function tcpMesh(members: NodeId[]): Promise<Map<NodeId, TcpTransport>> {
  const transports = new Map<NodeId, TcpTransport>();
  for (const id of members) {
    const started = await startTcpTransport({ self: id, listen: { host: '127.0.0.1', port: 0 }, peers: [], members, lease: TEST_LEASE });
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
