/**
 * The MessageChannel mesh: one port pair per pair of nodes, so Raft traffic goes worker to
 * worker. A restarted worker gets fresh pairs; the old ports died with the old worker.
 */
import { MessageChannel } from 'node:worker_threads';
import { transfer } from 'comlink';
import type { NodeId } from '../core/types.js';
import type { ChannelPeersConfig } from '../runtime/node_config.js';
import type { NodeSlot } from './node_slot.js';

type PeerPorts = ChannelPeersConfig['peerPorts'];

/** Every node's ports to every other node, for the first start. */
export function fullMesh(ids: readonly NodeId[]): Map<NodeId, PeerPorts> {
  const mesh = new Map<NodeId, PeerPorts>(ids.map((id) => [id, []]));
  for (const a of ids) {
    for (const b of ids) {
      if (a >= b) continue;
      const { port1, port2 } = new MessageChannel();
      mesh.get(a)?.push({ peer: b, port: port1 });
      mesh.get(b)?.push({ peer: a, port: port2 });
    }
  }
  return mesh;
}

/**
 * Fresh pairs between a restarting node and every node that is up or starting. Runs
 * synchronously, so concurrent restarts all see each other: a peer that is up gets its end at
 * once (`deliveries`); a peer still starting finds it in its pendingPeerPorts once it is up.
 * Nodes that are down get their pairs when they restart.
 */
export function pairsForRestart(slot: NodeSlot, slots: Iterable<NodeSlot>): { peerPorts: PeerPorts; deliveries: Promise<void>[] } {
  const peerPorts: PeerPorts = [];
  const deliveries: Promise<void>[] = [];
  for (const peer of slots) {
    if (peer.id === slot.id || (peer.handle === null && !peer.starting)) continue;
    const { port1, port2 } = new MessageChannel();
    peerPorts.push({ peer: peer.id, port: port1 });
    if (peer.handle !== null) {
      deliveries.push(peer.call('replacePeerPort', (c) => c.replacePeerPort(slot.id, transfer(port2, [port2]))));
    } else {
      peer.pendingPeerPorts.push({ peer: slot.id, port: port2 });
    }
  }
  return { peerPorts, deliveries };
}
