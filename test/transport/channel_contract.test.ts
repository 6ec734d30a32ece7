import type { ChannelEncoding } from '../../src/transport/channel_transport.js';
import { runTransportContract } from '../contracts/transport_contract.js';
import { channelMesh } from './meshes.js';
import { waitUntilReal } from './wait.js';

for (const encoding of ['frame', 'clone'] as ChannelEncoding[]) {
  runTransportContract(`MessagePort (${encoding})`, async (members) => {
    const transports = channelMesh(members, encoding);
    return {
      transports,
      waitUntil: waitUntilReal,
      close: async () => {
        for (const t of transports.values()) t.close();
      },
    };
  });
}
