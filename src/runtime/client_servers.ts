/** The node's RESP server, wired to its KvBackend (start_node.ts starts the HTTP one). */
import type { Logger } from '../ports/logger.js';
import type { NodePause } from '../server/node_pause.js';
import type { KvBackend } from '../server/resp/backend.js';
import { RespServer } from '../server/resp/resp_server.js';
import type { NodeConfig, NodeEndpoints } from './node_config.js';
import { PortUnavailable } from './check_node_config.js';
import { urlHost } from './peer_transport.js';
import { ENTRY_DATA_BYTES_MAX } from '../transport/codec.js';

export interface ClientServers {
  endpoints: Pick<NodeEndpoints, 'redis' | 'http'>;
  redisPort: number;
  close(): Promise<void>;
}

export async function startClientServers(config: NodeConfig, backend: KvBackend, logger: Logger, pause: NodePause): Promise<ClientServers> {
  let resp: RespServer;
  try {
    // An argument past what one log entry carries is read past, not held (see maxKeptBulkBytes).
    resp = await RespServer.start({ backend, port: config.redisPort, host: config.host, logger, pause, limits: { maxKeptBulkBytes: ENTRY_DATA_BYTES_MAX } });
  } catch (error) {
    throw PortUnavailable.listening(config.id, 'RESP clients', config.host, config.redisPort, error);
  }
  const redisPort = resp.address().port;
  logger.debug({ port: redisPort }, 'RESP server listening');
  return {
    endpoints: { redis: `redis://${urlHost(config.host)}:${redisPort}`, http: null },
    redisPort,
    close: () => resp.close(),
  };
}
