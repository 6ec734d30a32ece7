/**
 * What the RESP front end needs from a node. The emulator and `kv-sim node` wire it to the node
 * driver; tests wire it to a KvStateMachine in-process.
 *
 * Payloads are the key-value codec's bytes (src/kv/command_codec.ts): write() takes
 * encodeProposal(items) and resolves with encodeResults(...) from apply(); read() takes
 * encodeQuery(reads) and resolves with query()'s results. One call carries a whole pipeline run.
 */
import type { NodeId, Role } from '../../core/types.js';
import type { ProposalOutcome, ReadConsistency, ReadOutcome } from '../../node/types.js';

export interface KvBackendInfo {
  nodeId: NodeId;
  role: Role;
  /** The leader this node knows of, 0 when none. */
  leaderId: NodeId;
  term: number;
  commitIndex: number;
  appliedIndex: number;
}

/** How a request may travel when this node is not the leader. */
export interface RouteOptions {
  /**
   * true (the default of backends that forward): a follower forwards the request to the leader
   * and relays its outcome. false: answer not-leader here (the client asked for redirects, or the
   * request was itself forwarded and must not travel again). Backends that never forward ignore it.
   */
  forward?: boolean;
}

export interface KvBackend {
  /** Proposes one log entry. A follower may forward it to the leader or answer not-leader. */
  write(proposal: Uint8Array, route?: RouteOptions): Promise<ProposalOutcome>;
  /** Reads: 'linearizable' goes through ReadIndex, 'stale' answers from local state. */
  read(query: Uint8Array, consistency: ReadConsistency, route?: RouteOptions): Promise<ReadOutcome>;
  /** Raft status for INFO and HELLO; cheap and synchronous. */
  info(): KvBackendInfo;
  /** The client (RESP) address `host:port` of a node, for not-leader replies; null if unknown. */
  clientAddressOf(nodeId: NodeId): string | null;
}
