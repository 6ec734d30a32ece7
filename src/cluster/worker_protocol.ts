/**
 * What passes between the supervisor and a node worker. Control calls go over comlink on the
 * worker's parent port; events go one way over a dedicated port so they never queue behind
 * (or get confused with) comlink replies. Raft traffic never comes through here.
 */
import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../core/types.js';
import type { NodeConfig, NodeEndpoints, RuntimeEvent, RuntimeStatus } from '../runtime/node_config.js';
import type { LinkRulesState } from '../transport/link_rules.js';

export interface NodeWorkerData {
  config: NodeConfig;
  /** The worker posts WorkerEvent values here. */
  eventPort: MessagePort;
  /**
   * When the supervisor started this worker, in ms since the Unix epoch (performance.timeOrigin +
   * performance.now()): the node's recovery time is measured from it. A worker's own
   * performance.now() counts from its process's start, not its own.
   */
  spawnedAtEpochMs: number;
}

export type WorkerEvent =
  | { type: 'ready'; endpoints: NodeEndpoints; ports: BoundPorts }
  /** portUnavailable: the failure was a port the node could not listen on (see PortUnavailable). */
  | { type: 'start-failed'; message: string; portUnavailable?: { port: number; code: string } }
  | { type: 'fatal'; message: string }
  | RuntimeEvent;

/** The ports a node listens on once started; peer is null on MessagePorts. */
export interface BoundPorts {
  redis: number;
  http: number;
  peer: number | null;
}

/** The control surface a worker exposes with comlink. */
export interface NodeControl {
  status(): RuntimeStatus;
  pause(): void;
  resume(): void;
  setLinkRules(state: LinkRulesState): void;
  /** Channel transport: a fresh port to `peer` after that peer (or this node) restarted. */
  replacePeerPort(peer: NodeId, port: MessagePort): void;
  /** TCP transport: the peer address map (sent once every node has bound its peer port). */
  setPeerAddresses(peers: Array<{ peer: NodeId; host: string; port: number }>): void;
  /** Other nodes' client addresses (`host:port`), for not-leader replies. */
  setClientAddresses(addresses: Array<{ peer: NodeId; address: string }>): void;
  resetStallStats(): void;
  /** Takes a snapshot now and stores it (in steps that do not stall the node); resolves with its index. */
  snapshot(): Promise<number>;
  /** Closes client servers, transport and storage; the supervisor terminates the worker after. */
  stop(): Promise<void>;
}
