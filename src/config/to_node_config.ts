/** From checked operator settings to the plain NodeConfig that startNode() takes. */
import type { NodeConfig } from '../runtime/node_config.js';
import { formatHostPort } from '../lib/host_port.js';
import type { NodeSettings } from './node_settings.js';

/**
 * Nodes seeded alike would draw the same election timeouts and split votes; a configured seed is
 * therefore mixed with the node id (as the emulator does), and `randomSeed` stands in for none.
 */
export function toNodeConfig(settings: NodeSettings, options: { randomSeed: number; breakStaleLock: boolean }): NodeConfig {
  const seed = settings.seed === null ? options.randomSeed : (settings.seed * 31 + settings.id * 1_000_003) >>> 0;
  const others = settings.members.filter((member) => member.id !== settings.id);
  const clientAddresses = settings.members.flatMap((member) =>
    member.client === null ? [] : [{ peer: member.id, address: formatHostPort(member.client) }],
  );
  if (!settings.members.some((member) => member.id === settings.id && member.client !== null)) {
    clientAddresses.push({ peer: settings.id, address: formatHostPort(settings.clientAdvertise) });
  }
  return {
    id: settings.id,
    members: settings.members.map((member) => member.id),
    seed,
    dataDir: settings.dataDir,
    fsync: settings.fsync,
    readLease: settings.readLease,
    timing: settings.timing,
    logLevel: settings.logLevel,
    host: settings.clientHost,
    redisPort: settings.redisPort,
    httpPort: settings.httpPort,
    transport: {
      kind: 'tcp',
      listenHost: settings.peerListen.host,
      listenPort: settings.peerListen.port,
      peers: others.map((member) => ({ peer: member.id, host: member.peer.host, port: member.peer.port })),
    },
    clientAddresses,
    breakStaleLock: options.breakStaleLock,
  };
}
