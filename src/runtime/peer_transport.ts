/** The node's Raft links, MessagePort mesh or TCP, behind one small surface the runtime controls. */
import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../core/types.js';
import type { Logger } from '../ports/logger.js';
import type { Transport } from '../ports/transport.js';
import { ChannelTransport } from '../transport/channel_transport.js';
import type { LinkRulesState } from '../transport/link_rules.js';
import type { LeaseSettings } from '../transport/peer_protocol.js';
import { startTcpTransport } from '../transport/tcp_transport.js';
import type { NodeConfig } from './node_config.js';
import { NodeConfigError, PortUnavailable } from './check_node_config.js';

export interface PeerTransport {
  transport: Transport;
  /** The bound TCP peer port, or null for MessagePorts. */
  port: number | null;
  /** The peer endpoint as a URL (tcp://host:port), or null for MessagePorts. */
  endpoint: string | null;
  setRules(state: LinkRulesState): void;
  replacePeerPort(peer: NodeId, port: MessagePort): void;
  setPeerAddresses(peers: Array<{ peer: NodeId; host: string; port: number }>): void;
  /** Peers refused because their lease settings (or wire format) differ from this node's. */
  refusedPeers(): Array<{ peer: NodeId; reason: string }>;
}

/** Link-rule draws get a stream of their own, apart from election jitter. */
function linkSeed(config: NodeConfig): number {
  return (config.seed ^ 0x5bd1e995) >>> 0;
}

/** `lease`: the settings this node's driver runs with, which every TCP peer must share. */
export async function openPeerTransport(config: NodeConfig, lease: LeaseSettings, logger: Logger): Promise<PeerTransport> {
  const spec = config.transport;
  if (spec.kind === 'channel') {
    // No handshake compares lease settings here: the emulator builds every node's config from
    // one ClusterOptions (one timing, one read-lease setting), so its nodes cannot disagree.
    const transport = new ChannelTransport({
      self: config.id,
      peers: spec.peerPorts.map(({ peer, port }): [NodeId, MessagePort] => [peer, port]),
      members: config.members,
      seed: linkSeed(config),
      logger,
    });
    if (config.linkRules !== undefined) transport.setRules(config.linkRules);
    return {
      transport,
      port: null,
      endpoint: null,
      setRules: (state) => transport.setRules(state),
      replacePeerPort: (peer, port) => transport.attachPeer(peer, port),
      setPeerAddresses: () => {
        throw new NodeConfigError('this node uses the MessagePort transport; it has no peer addresses');
      },
      refusedPeers: () => [],
    };
  }
  const started = await startTcpTransport({
    self: config.id,
    listen: { host: spec.listenHost ?? config.host, port: spec.listenPort },
    peers: spec.peers.map(({ peer, host, port }): [NodeId, { host: string; port: number }] => [peer, { host, port }]),
    members: config.members,
    lease,
    seed: linkSeed(config),
    logger,
  });
  if (!started.ok) {
    throw started.bindCode === undefined ? new NodeConfigError(started.error) : new PortUnavailable(started.error, spec.listenPort, started.bindCode);
  }
  const transport = started.transport;
  if (config.linkRules !== undefined) transport.setRules(config.linkRules);
  const port = transport.address().port;
  return {
    transport,
    port,
    endpoint: `tcp://${urlHost(spec.listenHost ?? config.host)}:${port}`,
    setRules: (state) => transport.setRules(state),
    replacePeerPort: () => {
      throw new NodeConfigError('this node uses the tcp transport; it has no MessagePorts');
    },
    setPeerAddresses: (peers) => {
      for (const { peer, host, port: peerPort } of peers) transport.setPeerAddress(peer, { host, port: peerPort });
    },
    refusedPeers: () => transport.refusedPeers(),
  };
}

/** The host part of a URL: a wildcard bind address is reached over loopback; IPv6 gets brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
