/**
 * The Transport over MessagePorts: one port per peer, so raft traffic goes worker to worker and
 * never through the main thread. send() posts ONE message per peer per call (an array of Raft
 * messages): postMessage costs tens of microseconds, so batching is what makes it fast.
 * Link rules act on the send side (see RoutedSender).
 */
import type { Message, NodeId } from '../core/types.js';
import { SILENT_LOGGER, type Logger } from '../ports/logger.js';
import type { Transport } from '../ports/transport.js';
import type { LinkRules, LinkRulesState } from './link_rules.js';
import { messageShapeProblem } from './message_shape.js';
import { RoutedSender } from './routed_sender.js';

/** What the transport needs of a port; node:worker_threads' MessagePort has it. */
export interface PeerPort {
  postMessage(value: unknown): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (value: unknown) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  close(): void;
}

export interface ChannelTransportOptions {
  self: NodeId;
  /** The port to each peer (more can be attached later, e.g. when a peer restarts). */
  peers: Iterable<[NodeId, PeerPort]>;
  /** Every node of the cluster; default: self and the peers given. */
  members?: readonly NodeId[];
  /** Seed of the link rules' random draws; default: the node id. */
  seed?: number;
  logger?: Logger;
  nowMs?: () => number;
}

interface Attached {
  port: PeerPort;
  onMessage: (value: unknown) => void;
  onClose: () => void;
}

export class ChannelTransport implements Transport {
  private readonly self: NodeId;
  private readonly logger: Logger;
  private readonly sender: RoutedSender;
  private readonly ports = new Map<NodeId, Attached>();
  private handler: ((message: Message) => void) | null = null;
  private closed = false;

  constructor(options: ChannelTransportOptions) {
    this.self = options.self;
    this.logger = options.logger ?? SILENT_LOGGER;
    const peers = [...options.peers];
    this.sender = new RoutedSender({
      self: options.self,
      members: options.members ?? [options.self, ...peers.map(([id]) => id)],
      seed: options.seed ?? options.self,
      ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}),
      deliver: (peer, batch) => this.post(peer, batch),
    });
    for (const [peer, port] of peers) this.attachPeer(peer, port);
  }

  /** The live link rules (partition, setLink, ...), for callers in this thread. */
  get rules(): LinkRules {
    return this.sender.rules;
  }

  send(messages: readonly Message[]): void {
    this.sender.send(messages);
  }

  onMessage(handler: (message: Message) => void): void {
    this.handler = handler;
  }

  /** Replaces every cut and link setting (the supervisor pushes one state to every worker). */
  setRules(state: LinkRulesState): void {
    this.sender.setRules(state);
  }

  /** Uses `port` for `peer` from now on; an older port to that peer is closed. */
  attachPeer(peer: NodeId, port: PeerPort): void {
    if (this.closed) {
      port.close();
      return;
    }
    this.detachPeer(peer);
    const attached: Attached = {
      port,
      onMessage: (value) => this.receive(peer, value),
      onClose: () => {
        if (this.ports.get(peer) !== attached) return;
        this.ports.delete(peer);
        this.logger.info({ peer }, 'channel to peer closed; messages to it are dropped until it is re-attached');
      },
    };
    this.ports.set(peer, attached);
    port.on('message', attached.onMessage);
    port.on('close', attached.onClose);
  }

  detachPeer(peer: NodeId): void {
    const attached = this.ports.get(peer);
    if (attached === undefined) return;
    this.ports.delete(peer);
    attached.port.off('message', attached.onMessage);
    attached.port.off('close', attached.onClose);
    attached.port.close();
  }

  /** Stops delivery both ways at once: held messages are dropped and every port is closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sender.close();
    for (const peer of [...this.ports.keys()]) this.detachPeer(peer);
    this.handler = null;
  }

  private post(peer: NodeId, batch: Message[]): void {
    const attached = this.ports.get(peer);
    if (attached === undefined) return; // unknown or gone peer: dropped, Raft retries
    try {
      attached.port.postMessage(batch);
    } catch (error) {
      // Only a message that cannot be cloned gets here: a bug in its builder, not the network.
      this.logger.error({ peer, error: String(error) }, 'could not post a batch to a peer; dropped');
    }
  }

  private receive(peer: NodeId, value: unknown): void {
    const handler = this.handler;
    if (this.closed || handler === null) return;
    if (!Array.isArray(value)) {
      this.logger.warn({ peer }, 'dropped a non-batch value received on a peer channel');
      return;
    }
    for (const message of value as unknown[]) {
      const problem = messageShapeProblem(message);
      if (problem !== null) {
        this.logger.warn({ peer, problem }, 'dropped a malformed message from a peer channel');
        continue;
      }
      const m = message as Message;
      if (m.to !== this.self) continue; // misrouted; never hand a node another node's traffic
      handler(m);
      if (this.closed) return;
    }
  }
}
