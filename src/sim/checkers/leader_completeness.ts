/**
 * Leader completeness: a node that becomes leader of term T holds, in its persisted log, every
 * entry known to be committed (applied anywhere) in terms before T, in its log or in a snapshot.
 */
import type { NodeId } from '../../core/types.js';
import type { CommittedLog } from './committed_log.js';
import { UNKNOWN_TERM } from './log_matching.js';
import type { ReportViolation } from './violation.js';

export function checkLeaderCompleteness(
  node: NodeId,
  term: number,
  persistedTerms: readonly number[],
  committed: CommittedLog,
  report: ReportViolation,
): void {
  const terms = committed.terms;
  for (let index = 1; index < terms.length; index++) {
    const committedTerm = terms[index] as number;
    // Compacted into a snapshot, whose last entry was checked against the committed log.
    if (committedTerm >= term || persistedTerms[index] === UNKNOWN_TERM) continue;
    if (persistedTerms[index] !== committedTerm) {
      const held = persistedTerms[index] === undefined ? 'nothing' : `term ${persistedTerms[index]}`;
      report(
        'leader-completeness',
        `node ${node} became leader of term ${term} without committed entry ${index} (term ${committedTerm}); it holds ${held} there`,
      );
      return;
    }
  }
}
