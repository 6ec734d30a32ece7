/**
 * The persistence contract and the commit rule, checked from the outside: what a node says on
 * the network must already be on its disk, and a leader only commits by counting replicas of
 * an entry of its own term (Raft §5.4.2, Figure 8).
 *
 * - Every message but a pre-vote leaves the node only once its term is persisted (a node that
 *   forgot the term it answered in could vote in it again).
 * - A granted vote leaves the node only once that vote and its term are persisted.
 * - A successful append acknowledgement for matchIndex m leaves only once the node's persisted
 *   log reaches m.
 * A message of an older term than the one on disk is fine: the driver persists the final state
 * of a batch, and a later term (stepped in the same batch) supersedes the vote or the entries,
 * exactly as if the node had persisted, sent, then moved on.
 * - A leader of term T that advances its persisted commit index to c holds an entry of term T at c.
 */
import type { HardState, Message, NodeId } from '../../core/types.js';
import type { ReportViolation } from './violation.js';

export class PersistenceChecks {
  private readonly hardStates = new Map<NodeId, HardState>();
  private readonly report: ReportViolation;

  constructor(report: ReportViolation) {
    this.report = report;
  }

  onLoad(node: NodeId, hardState: HardState): void {
    this.hardStates.set(node, { ...hardState });
  }

  /**
   * A hard state reached the disk. role/term are what the node reported before this write;
   * persistedTerms is its log after the write.
   */
  /** `ledItsTerm`: the node was leader of hardState.term (so a commit advance in it is its own). */
  onHardState(node: NodeId, hardState: HardState, ledItsTerm: boolean, persistedTerms: readonly number[]): void {
    const previous = this.hardStates.get(node);
    this.hardStates.set(node, { ...hardState });
    const term = hardState.term;
    if (previous === undefined || !ledItsTerm || hardState.commit <= previous.commit) return;
    const commitTerm = persistedTerms[hardState.commit];
    if (commitTerm !== term) {
      this.report(
        'commit-rule',
        `leader ${node} of term ${term} advanced its commit index to ${hardState.commit}, an entry of term ${commitTerm} (only current-term entries commit by counting replicas)`,
      );
    }
  }

  onSend(message: Message, persistedTerms: readonly number[]): void {
    const node = message.from;
    const preVote = (message.type === 'vote' || message.type === 'vote-response') && message.pre;
    const durableTerm = this.hardStates.get(node)?.term ?? 0;
    if (!preVote && message.term > durableTerm) {
      this.report('persistence', `node ${node} sent a term-${message.term} ${message.type} with term ${durableTerm} on disk`);
    }
    if (message.type === 'vote-response' && message.granted && !message.pre) {
      const persisted = this.hardStates.get(node);
      const superseded = persisted !== undefined && persisted.term > message.term;
      const durable = persisted !== undefined && persisted.term === message.term && persisted.vote === message.to;
      if (!superseded && !durable) {
        this.report(
          'persistence',
          `node ${node} granted its term-${message.term} vote to ${message.to} before persisting it (disk: term ${persisted?.term}, vote ${persisted?.vote})`,
        );
      }
    } else if (message.type === 'append-response' && message.success) {
      if ((this.hardStates.get(node)?.term ?? 0) > message.term) return;
      const persistedLast = persistedTerms.length - 1;
      if (persistedLast < message.matchIndex) {
        this.report(
          'persistence',
          `node ${node} acknowledged entries up to ${message.matchIndex} with only ${persistedLast} on disk`,
        );
      }
    }
  }
}
