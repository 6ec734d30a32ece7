import { MessageChannel } from 'node:worker_threads';
import type { NodeId } from '../../src/core/types.js';
import { ChannelTransport } from '../../src/transport/channel_transport.js';
import { runTransportContract } from '../contracts/transport_contract.js';
import { waitUntilReal } from './wait.js';

/** A full mesh of MessageChannels in this thread: one channel per pair of nodes. */
export function channelMesh(members: NodeId[]): Map<NodeId, ChannelTransport> {
  const transports = new Map<NodeId, ChannelTransport>();
  for (const id of members) transports.set(id, new ChannelTransport({ self: id, peers: [], members }));
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

runTransportContract('MessagePort', async (members) => {
  const transports = channelMesh(members);
  return {
    transports,
    waitUntil: waitUntilReal,
    close: async () => {
      for (const t of transports.values()) t.close();
    },
  };
});
