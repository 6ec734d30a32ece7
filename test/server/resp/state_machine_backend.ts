/**
 * Test fixture: a KvBackend served directly by a KvStateMachine in this process (one node that is
 * always the leader unless told otherwise). Answers asynchronously, as a real node does, so
 * pipelined requests queue up behind an in-flight call and form batches.
 */
import type { NodeId } from '../../../src/core/types.js';
import type { KvCommand } from '../../../src/kv/commands.js';
import { KvStateMachine } from '../../../src/kv/index.js';
import type { ProposalOutcome } from '../../../src/node/types.js';
import type { KvBackend, KvBackendInfo, KvResultsOutcome } from '../../../src/server/resp/index.js';

export class StateMachineBackend implements KvBackend {
  readonly machine = new KvStateMachine();
  index = 0;
  writeCalls = 0;
  readCalls = 0;
  /** When set, every request fails as on a follower that knows this leader. */
  followerOf: NodeId | null = null;
  /** Proposals bigger than this are refused as too large, as the node driver does (entryBytesMax). */
  entryBytesMax = Infinity;

  async write(proposal: Uint8Array): Promise<ProposalOutcome> {
    this.writeCalls++;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.followerOf !== null) return { ok: false, error: { type: 'not-leader', leaderHint: this.followerOf } };
    if (proposal.length > this.entryBytesMax) return { ok: false, error: { type: 'too-large', bytes: proposal.length, limitBytes: this.entryBytesMax } };
    const index = ++this.index;
    return { ok: true, index, result: this.machine.apply(proposal, index) };
  }

  async read(commands: readonly KvCommand[]): Promise<KvResultsOutcome> {
    this.readCalls++;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.followerOf !== null) return { ok: false, error: { type: 'not-leader', leaderHint: this.followerOf } };
    return { ok: true, index: this.index, results: this.machine.queryCommands(commands) };
  }

  info(): KvBackendInfo {
    const leader = this.followerOf === null;
    return {
      nodeId: 1,
      role: leader ? 'leader' : 'follower',
      leaderId: leader ? 1 : this.followerOf ?? 0,
      term: 3,
      commitIndex: this.index,
      appliedIndex: this.index,
    };
  }

  clientAddressOf(nodeId: NodeId): string | null {
    return `127.0.0.1:${7000 + nodeId}`;
  }
}
