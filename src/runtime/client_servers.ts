/** The node's client-facing servers (RESP now; HTTP arrives later), wired to the driver. */
import type { KvBackend } from '../server/resp/backend.js';
import type { Logger } from '../ports/logger.js';
import type { NodeConfig, NodeEndpoints } from './node_config.js';

export interface ClientServers {
  endpoints: Pick<NodeEndpoints, 'redis' | 'http'>;
  redisPort: number;
  close(): Promise<void>;
}

export async function startClientServers(config: NodeConfig, _backend: KvBackend, _logger: Logger): Promise<ClientServers> {
  return { endpoints: { redis: `redis://${config.host}:0`, http: null }, redisPort: 0, close: async () => {} };
}
