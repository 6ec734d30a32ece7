/** Election safety: at most one leader per term, as seen in the soft states nodes report. */
import type { NodeId, Role } from '../../core/types.js';
import type { ReportViolation } from './violation.js';

export class ElectionSafety {
  private readonly leaders = new Map<number, NodeId>();
  private readonly report: ReportViolation;
  elections = 0;

  constructor(report: ReportViolation) {
    this.report = report;
  }

  onSoftState(node: NodeId, role: Role, term: number): void {
    if (role !== 'leader') return;
    const existing = this.leaders.get(term);
    if (existing === undefined) {
      this.leaders.set(term, node);
      this.elections++;
    } else if (existing !== node) {
      this.report('election-safety', `nodes ${existing} and ${node} are both leader in term ${term}`);
    }
  }
}
