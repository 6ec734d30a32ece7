/**
 * What the RESP front end needs from a node. The emulator and `kv-sim node` wire it to the node
 * driver; tests wire it to a KvStateMachine in-process.
 *
 * write() takes the key-value codec's bytes (src/kv/command_codec.ts), encodeProposal(items), and
 * resolves with apply()'s encoded results: a write is a log entry, bytes either way. read() takes
 * the commands and resolves with their results as values: a node answering its own reads has no
 * use for the codec (only a forwarded read is encoded, to travel). One call carries a whole
 * pipeline run.
 */
import type { NodeId, Role } from '../../core/types.js';
import type { KvCommand, KvResult } from '../../kv/commands.js';
import type { NodeError, ProposalOutcome, ReadConsistency } from '../../node/types.js';

/** Decoded results, one per command (a read's last may be 'deferred', see QUERY_RESULT_BYTES_MAX). */
export type KvResultsOutcome = { ok: true; index: number; results: KvResult[] } | { ok: false; error: NodeError };

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
  /**
   * Read commands ('linearizable' through ReadIndex or the leader's lease, 'stale' from local
   * state); a write among them gets an error result. Results may share bytes with stored values.
   */
  read(commands: readonly KvCommand[], consistency: ReadConsistency, route?: RouteOptions): Promise<KvResultsOutcome>;
  /** Raft status for INFO and HELLO; cheap and synchronous. */
  info(): KvBackendInfo;
  /** The client (RESP) address `host:port` of a node, for not-leader replies; null if unknown. */
  clientAddressOf(nodeId: NodeId): string | null;
}
