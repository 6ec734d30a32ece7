/**
 * Every checker, fed only with what the nodes emit: soft states and applied entries (driver
 * events), persisted writes (observed at the storage port) and client acknowledgements. The
 * first violation is kept; the simulator stops the run when it sees one.
 */
import type { Entry, NodeId, Role } from '../../core/types.js';
import type { PersistedState } from '../../ports/storage.js';
import { CommittedLog } from './committed_log.js';
import { Durability } from './durability.js';
import { ElectionSafety } from './election_safety.js';
import { checkLeaderCompleteness } from './leader_completeness.js';
import { LinearizableReads } from './linearizable_reads.js';
import { LogMatching } from './log_matching.js';
import type { Violation } from './violation.js';

export class SafetyCheckers {
  violation: Violation | null = null;
  readonly committed: CommittedLog;
  readonly elections: ElectionSafety;
  readonly logs: LogMatching;
  readonly durability: Durability;
  readonly reads: LinearizableReads;
  private readonly nowMs: () => number;

  constructor(nowMs: () => number) {
    this.nowMs = nowMs;
    const report = (checker: string, message: string): void => {
      this.violation ??= { checker, message, timeMs: this.nowMs() };
    };
    this.committed = new CommittedLog(report);
    this.elections = new ElectionSafety(report);
    this.logs = new LogMatching(report);
    this.durability = new Durability(this.committed, report);
    this.reads = new LinearizableReads(this.committed, report);
    this.report = report;
  }

  readonly report: (checker: string, message: string) => void;

  onLoad(node: NodeId, persisted: PersistedState): void {
    this.logs.onLoad(node, persisted);
  }

  onSave(node: NodeId, entries: readonly Entry[]): void {
    this.logs.onSave(node, entries);
  }

  onSoftState(node: NodeId, role: Role, term: number): void {
    this.elections.onSoftState(node, role, term);
    if (role === 'leader') checkLeaderCompleteness(node, term, this.logs.persistedTerms(node), this.committed, this.report);
  }

  onApplied(node: NodeId, entries: readonly Entry[]): void {
    this.committed.onApplied(node, entries);
  }

  onWriteAcked(index: number, command: Uint8Array): void {
    this.durability.onWriteAcked(index, command);
  }

  onReadOk(key: string, ackedBeforeInvokeIndex: number, appliedIndex: number, result: Uint8Array): void {
    this.reads.onReadOk(key, ackedBeforeInvokeIndex, appliedIndex, result);
  }
}
