/** The supervisor's record of one node across its incarnations (worker lifetimes). */
import type { MessagePort } from 'node:worker_threads';
import type { Remote } from 'comlink';
import type { NodeId } from '../core/types.js';
import type { NodeEndpoints } from '../runtime/node_config.js';
import { ClusterError } from './cluster_error.js';
import type { ClusterNodeStatus } from './cluster_types.js';
import type { NodePorts } from './port_block.js';
import type { WorkerHandle } from './worker_handle.js';
import type { NodeControl } from './worker_protocol.js';

export class NodeSlot {
  readonly id: NodeId;
  /** Where peers and clients connect: a wildcard bind address is reached over loopback. */
  readonly connectHost: string;
  handle: WorkerHandle | null = null;
  starting = false;
  /** Ports to this node from peers that restarted while it was starting; delivered once it is up. */
  pendingPeerPorts: Array<{ peer: NodeId; port: MessagePort }> = [];
  paused = false;
  /** Worker lifetimes so far; each one gets its own seed. */
  incarnation = 0;
  /**
   * Where the node listens: from the cluster's port block, or (0) any free port on first start.
   * What it bound is kept for its restarts, so clients and peers keep their addresses.
   */
  ports: NodePorts = { redis: 0, http: 0, peer: 0 };
  endpoints: NodeEndpoints;
  last: ClusterNodeStatus | null = null;
  private lastLeader = 0;
  private lastTerm = -1;

  constructor(id: NodeId, host: string) {
    this.id = id;
    this.connectHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    this.endpoints = { redis: '', http: null, peer: null };
  }

  attach(handle: WorkerHandle): void {
    this.handle = handle;
    this.paused = false;
    this.incarnation += 1;
    const bound = handle.ready.ports;
    this.ports = { redis: bound.redis, http: bound.http, peer: bound.peer ?? 0 };
    this.endpoints = handle.ready.endpoints;
    this.lastLeader = 0;
    this.lastTerm = -1;
  }

  /** Forgets the worker (it is gone or about to be); the slot stays for a restart. */
  detach(): WorkerHandle {
    const handle = this.handle;
    if (handle === null) throw new ClusterError(`node ${this.id} is down`);
    this.handle = null;
    this.paused = false;
    return handle;
  }

  call<T>(what: string, fn: (control: Remote<NodeControl>) => Promise<T>, timeoutMs?: number): Promise<T> {
    if (this.handle === null) return Promise.reject(new ClusterError(`node ${this.id} is down (${what})`));
    return this.handle.call(what, fn, timeoutMs);
  }

  /** True when this (leader, term) is news worth a leader-changed event. */
  noteLeader(leader: NodeId, term: number): boolean {
    if (leader === 0 || (leader === this.lastLeader && term === this.lastTerm)) return false;
    this.lastLeader = leader;
    this.lastTerm = term;
    return true;
  }
}
