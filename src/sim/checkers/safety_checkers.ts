/**
 * Every checker, fed only with what the nodes emit: soft states and applied entries (driver
 * events), persisted writes (observed at the storage port) and client acknowledgements. The
 * first violation is kept; the simulator stops the run when it sees one.
 */
import type { Entry, NodeId, Role, Snapshot } from '../../core/types.js';
import type { Message } from '../../core/types.js';
import type { PersistedState, SaveBatch } from '../../ports/storage.js';
import { CommittedLog } from './committed_log.js';
import { Durability } from './durability.js';
import { ElectionSafety } from './election_safety.js';
import { checkLeaderCompleteness } from './leader_completeness.js';
import { LinearizableReads } from './linearizable_reads.js';
import { LogMatching } from './log_matching.js';
import { PersistenceChecks } from './persistence.js';
import type { Violation } from './violation.js';

export class SafetyCheckers {
  violation: Violation | null = null;
  readonly committed: CommittedLog;
  readonly elections: ElectionSafety;
  readonly logs: LogMatching;
  readonly durability: Durability;
  readonly reads: LinearizableReads;
  readonly persistence: PersistenceChecks;
  /** Each node's role and term as last reported (before the write being observed). */
  /**
   * "node:term" for every term a node led. A hard state reaches the disk after a sync delay, when
   * the node may have stepped down: what counts is whether it led the term the hard state is of
   * (no other node leads that term, so a commit advance in it is the leader's own).
   */
  private readonly ledTerms = new Set<string>();
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
    this.persistence = new PersistenceChecks(report);
    this.report = report;
  }

  readonly report: (checker: string, message: string) => void;

  onLoad(node: NodeId, persisted: PersistedState): void {
    this.logs.onLoad(node, persisted);
    this.persistence.onLoad(node, persisted.hardState);
  }

  onSave(node: NodeId, batch: SaveBatch): void {
    this.logs.onSave(node, batch.entries);
    if (batch.hardState !== null) {
      const led = this.ledTerms.has(`${node}:${batch.hardState.term}`);
      this.persistence.onHardState(node, batch.hardState, led, this.logs.persistedTerms(node));
    }
  }

  onSnapshot(node: NodeId, snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    const committedTerm = this.committed.terms[index];
    if (committedTerm !== undefined && committedTerm !== term) {
      this.report('snapshot', `node ${node} stored a snapshot at index ${index} term ${term}, but the entry committed there has term ${committedTerm}`);
    }
    this.logs.onSnapshot(node, snapshot);
  }

  onSend(message: Message): void {
    this.persistence.onSend(message, this.logs.persistedTerms(message.from));
  }

  onSoftState(node: NodeId, role: Role, term: number): void {
    if (role === 'leader') this.ledTerms.add(`${node}:${term}`);
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
