/**
 * A KvBackend that makes followers transparent: a write or linearizable read that reaches a node
 * which is not the leader is forwarded to the leader and the leader's outcome is relayed.
 *
 * Why forward over the leader's client port (KVSIM.FORWARD, see forward_protocol.ts) rather than
 * over the Raft transport: the payload is the backend call itself (encoded batch plus session
 * tags), so exactly-once and pipeline batching hold end to end; the RESP and HTTP front ends get
 * it from one place; and no new Raft message type, peer-port handler or driver state is needed.
 * One pooled, pipelined connection per leader address carries every forwarded request of a node.
 * (The emulator's fault rules cut Raft links, not client ports: a follower cut off from the leader
 * usually knows no leader and answers TRYAGAIN; when it still knows one, forwarding reaches it the
 * way a client could.)
 *
 * Safety rules:
 * - A write is forwarded only when this node was not the leader at the call. A write proposed here
 *   as leader and then failed with not-leader may still commit, so it is never sent a second time
 *   (the client gets TIMEOUT: outcome unknown, retry with the same SEQ).
 * - A forwarded request is run by the leader with forwarding off; this node follows at most
 *   FORWARD_HOPS_MAX not-leader hints, so requests never loop.
 * - No leader known: TRYAGAIN. Stale reads are always answered locally.
 */
import type { NodeId } from '../../core/types.js';
import { decodeResultsOrError, encodeQuery } from '../../kv/command_codec.js';
import type { KvCommand } from '../../kv/commands.js';
import type { NodeError, ProposalOutcome, ReadConsistency } from '../../node/types.js';
import { NodePause, type RunningClock } from '../node_pause.js';
import type { KvBackend, KvBackendInfo, KvResultsOutcome, RouteOptions } from '../resp/backend.js';
import { forwardArgs, outcomeFromReply, type ForwardKind } from './forward_protocol.js';
import { LeaderLink } from './leader_link.js';

/** Leaders tried per request: the one this node knows, then at most one hint it gets back. */
export const FORWARD_HOPS_MAX = 2;
/**
 * How long a forwarded request may wait for the leader's reply. Above the nodes' own request
 * timeouts (3 s fast, 5 s standard), so the leader's TIMEOUT normally arrives first.
 */
export const FORWARD_TIMEOUT_MS = 10_000;
/** Reason texts of the retryable refusals (rendered as `-TRYAGAIN request dropped: <reason>`). */
export const NO_LEADER_REASON = 'no leader is known (an election may be in progress); retry';

export interface ForwardingOptions {
  timeoutMs?: number;
  /**
   * A write bigger than one log entry carries is refused here rather than sent on: the leader
   * would refuse it too, after reading it past as an oversized argument (RequestParserLimits).
   */
  entryBytesMax?: number;
  /** Times the leader's replies; by default one that never pauses. */
  clock?: RunningClock;
}

export class ForwardingBackend implements KvBackend {
  private readonly inner: KvBackend;
  private readonly timeoutMs: number;
  private readonly entryBytesMax: number;
  private readonly clock: RunningClock;
  private readonly links = new Map<string, LeaderLink>();
  private closed = false;
  /** Requests this node sent on to a leader (for INFO and tests). */
  forwardedCount = 0;

  constructor(inner: KvBackend, options: ForwardingOptions = {}) {
    this.inner = inner;
    this.timeoutMs = options.timeoutMs ?? FORWARD_TIMEOUT_MS;
    this.entryBytesMax = options.entryBytesMax ?? Number.POSITIVE_INFINITY;
    this.clock = options.clock ?? new NodePause();
  }

  write(proposal: Uint8Array, route: RouteOptions = {}): Promise<ProposalOutcome> {
    if (route.forward === false) return this.inner.write(proposal);
    // A paused node is a stopped process: it forwards nothing (requests it had read before the
    // pause included) and decides where a request goes once it runs again.
    const paused = this.clock.pausedUntilResume();
    if (paused !== null) return paused.then(() => this.write(proposal, route));
    const info = this.inner.info();
    if (info.role !== 'leader') {
      if (proposal.length > this.entryBytesMax) {
        return Promise.resolve({ ok: false, error: { type: 'too-large', bytes: proposal.length, limitBytes: this.entryBytesMax } });
      }
      return this.forward('write', proposal, info.leaderId);
    }
    return this.inner.write(proposal, { forward: false }).then(unknownIfDeposed);
  }

  async read(commands: readonly KvCommand[], consistency: ReadConsistency, route: RouteOptions = {}): Promise<KvResultsOutcome> {
    if (route.forward === false || consistency === 'stale') return this.inner.read(commands, consistency);
    const paused = this.clock.pausedUntilResume();
    if (paused !== null) {
      await paused;
      return this.read(commands, consistency, route);
    }
    const info = this.inner.info();
    if (info.role !== 'leader') return this.forwardRead(commands, info.leaderId);
    const outcome = await this.inner.read(commands, consistency);
    // Reads change nothing: one that failed because leadership moved can go to the new leader.
    if (!outcome.ok && outcome.error.type === 'not-leader') return this.forwardRead(commands, outcome.error.leaderHint);
    return outcome;
  }

  info(): KvBackendInfo {
    return this.inner.info();
  }

  clientAddressOf(nodeId: NodeId): string | null {
    return this.inner.clientAddressOf(nodeId);
  }

  /** Closes the pooled links; requests still waiting on them fail with a retryable error. */
  close(): void {
    this.closed = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }

  /** A read travels encoded (the leader's state machine answers it), its results come back decoded. */
  private async forwardRead(commands: readonly KvCommand[], leaderHint: NodeId): Promise<KvResultsOutcome> {
    const outcome = await this.forward('read', encodeQuery(commands), leaderHint);
    // Undecodable results are not retryable (the same leader would answer the same way): an error result.
    return outcome.ok ? { ok: true, index: outcome.index, results: decodeResultsOrError(outcome.result, 'result from the leader') } : outcome;
  }

  private async forward(kind: ForwardKind, payload: Uint8Array, leaderHint: NodeId): Promise<ProposalOutcome> {
    let leader = leaderHint;
    for (let hop = 0; hop < FORWARD_HOPS_MAX; hop++) {
      if (leader === 0 || leader === this.inner.info().nodeId) return dropped(NO_LEADER_REASON);
      const link = this.link(leader);
      if (link === null) return dropped(`the client address of leader ${leader} is not known yet; retry`);
      this.forwardedCount++;
      const reply = await link.send(forwardArgs(kind, payload), this.timeoutMs);
      if (reply.kind === 'failed') {
        // A write that may have reached the leader has an unknown outcome; anything else is retryable.
        return kind === 'write' && reply.sent ? { ok: false, error: { type: 'timeout' } } : dropped(reply.reason);
      }
      const outcome = outcomeFromReply(reply.value, leader, kind);
      if (outcome.ok || outcome.error.type !== 'not-leader') return outcome;
      if (outcome.error.leaderHint === leader) break;
      leader = outcome.error.leaderHint;
    }
    return dropped(NO_LEADER_REASON);
  }

  private link(leader: NodeId): LeaderLink | null {
    if (this.closed) return null;
    const address = this.inner.clientAddressOf(leader);
    if (address === null) return null;
    let link = this.links.get(address);
    if (link === undefined || !link.usable) {
      link = new LeaderLink(address, this.clock);
      this.links.set(address, link);
    }
    return link;
  }
}

/**
 * A write run on this node without forwarding, for requests that must not travel further (those
 * forwarded to us). Proposed here as leader, then failed with not-leader, it may still commit under
 * the next leader: that is reported as TIMEOUT (outcome unknown), so no forwarder sends it again.
 */
export function leaderWrite(backend: KvBackend, proposal: Uint8Array): Promise<ProposalOutcome> {
  const wasLeader = backend.info().role === 'leader';
  const outcome = backend.write(proposal, { forward: false });
  return wasLeader ? outcome.then(unknownIfDeposed) : outcome;
}

/** The outcome of a write proposed here as leader: not-leader now means unknown (see leaderWrite). */
function unknownIfDeposed(outcome: ProposalOutcome): ProposalOutcome {
  return !outcome.ok && outcome.error.type === 'not-leader' ? { ok: false, error: { type: 'timeout' } } : outcome;
}

function dropped(reason: string): { ok: false; error: NodeError } {
  return { ok: false, error: { type: 'proposal-dropped', reason } };
}
