import { runTransportContract } from '../contracts/transport_contract.js';
import { channelMesh } from './meshes.js';
import { waitUntilReal } from './wait.js';

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
