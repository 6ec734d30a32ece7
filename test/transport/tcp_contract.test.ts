import { runTransportContract } from '../contracts/transport_contract.js';
import { tcpMesh } from './meshes.js';
import { waitUntilReal } from './wait.js';

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
