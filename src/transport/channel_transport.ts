/**
 * The Transport over MessagePorts: one port per peer, so raft traffic goes worker to worker and
 * never through the main thread. send() posts ONE value per peer per call (a frame holding all of
 * that peer's messages): postMessage costs tens of microseconds, so batching is what makes it fast.
 * Link rules act on the send side (see RoutedSender).
 */
import type { Message, NodeId } from '../core/types.js';
import { SILENT_LOGGER, type Logger } from '../ports/logger.js';
import type { Transport } from '../ports/transport.js';
import type { LinkRules, LinkRulesState } from './link_rules.js';
import { decodeFrame, encodeFrames } from './codec.js';
import { messageShapeProblem } from './message_shape.js';
import { RoutedSender } from './routed_sender.js';

/** What the transport needs of a port; node:worker_threads' MessagePort has it. */
export interface PeerPort {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
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
  /** How batches cross the port (see ChannelEncoding); the receiver understands both. */
  encoding?: ChannelEncoding;
}

/**
 * 'frame' (default): the socket codec's binary frame, moved (transferred, not copied) to the
 * other thread; it is several times cheaper in CPU than structured cloning message objects, and
 * the receiver validates it exactly as the TCP transport does. 'clone': the message array as is.
 */
export type ChannelEncoding = 'frame' | 'clone';

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
  private readonly encoding: ChannelEncoding;
  private handler: ((message: Message) => void) | null = null;
  private closed = false;

  constructor(options: ChannelTransportOptions) {
    this.self = options.self;
    this.logger = options.logger ?? SILENT_LOGGER;
    this.encoding = options.encoding ?? 'frame';
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
    if (this.encoding === 'clone') {
      attached.port.postMessage(batch);
      return;
    }
    const { frames, oversized } = encodeFrames(batch);
    if (oversized.length > 0) this.logger.error({ peer, count: oversized.length }, 'dropped messages larger than a frame may be');
    // Each frame owns its ArrayBuffer, so it can be moved to the other thread instead of copied.
    for (const frame of frames) attached.port.postMessage(frame, [frame.buffer as ArrayBuffer]);
  }

  private receive(peer: NodeId, value: unknown): void {
    const handler = this.handler;
    if (this.closed || handler === null) return;
    if (value instanceof Uint8Array) {
      const decoded = decodeFrame(value, true); // transferred to us: entries may be views into it
      if (!decoded.ok || decoded.frame.kind !== 'batch') {
        const problem = decoded.ok ? 'not a batch frame' : `${decoded.error.reason}: ${decoded.error.detail}`;
        this.logger.warn({ peer, problem }, 'dropped a bad frame from a peer channel');
        return;
      }
      this.deliver(handler, decoded.frame.messages);
      return;
    }
    if (!Array.isArray(value)) {
      this.logger.warn({ peer }, 'dropped a value that is neither a frame nor a batch, received on a peer channel');
      return;
    }
    for (const message of value as unknown[]) {
      const problem = messageShapeProblem(message);
      if (problem !== null) {
        this.logger.warn({ peer, problem }, 'dropped a malformed message from a peer channel');
        continue;
      }
      this.deliver(handler, [message as Message]);
      if (this.closed) return;
    }
  }

  private deliver(handler: (message: Message) => void, messages: readonly Message[]): void {
    for (const m of messages) {
      if (m.to !== this.self) continue; // misrouted; never hand a node another node's traffic
      handler(m);
      if (this.closed) return;
    }
  }
}
