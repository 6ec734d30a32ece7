/**
 * Linearizable reads. A read answered at applied index A must (1) not be older than any write
 * acknowledged before the read was invoked (A >= that write's index) and (2) return exactly the
 * register state at A: the last committed write to its key at or below A.
 */
import type { Entry } from '../../core/types.js';
import { decodeGetResult, decodeSet } from '../register_machine.js';
import type { CommittedLog } from './committed_log.js';
import type { ReportViolation } from './violation.js';

interface KeyHistory {
  indexes: number[];
  values: string[];
}

export class LinearizableReads {
  private readonly committed: CommittedLog;
  private readonly report: ReportViolation;
  private readonly histories = new Map<string, KeyHistory>();
  checked = 0;

  constructor(committed: CommittedLog, report: ReportViolation) {
    this.committed = committed;
    this.report = report;
    committed.onCommitted((entry) => this.record(entry));
  }

  /**
   * @param ackedBeforeInvokeIndex the highest write index acknowledged to any client before the
   *   read was invoked
   */
  onReadOk(key: string, ackedBeforeInvokeIndex: number, appliedIndex: number, result: Uint8Array): void {
    this.checked++;
    if (appliedIndex < ackedBeforeInvokeIndex) {
      this.report(
        'linearizable-reads',
        `read of '${key}' served at applied index ${appliedIndex}, older than write ${ackedBeforeInvokeIndex} acknowledged before it was invoked`,
      );
      return;
    }
    const got = decodeGetResult(result);
    if (got === null) {
      this.report('linearizable-reads', `read of '${key}' returned an undecodable result`);
      return;
    }
    if (appliedIndex > this.committed.lastIndex) {
      this.report('linearizable-reads', `read of '${key}' served at index ${appliedIndex}, beyond anything applied (${this.committed.lastIndex})`);
      return;
    }
    const expected = this.lastWriteAtOrBelow(key, appliedIndex);
    if (expected.index !== got.writeIndex || expected.value !== got.value) {
      this.report(
        'linearizable-reads',
        `read of '${key}' at index ${appliedIndex} returned '${got.value}' (written at ${got.writeIndex}); the committed log says '${expected.value}' (written at ${expected.index})`,
      );
    }
  }

  private record(entry: Entry): void {
    if (entry.kind !== 'normal') return;
    const write = decodeSet(entry.data);
    if (write === null) return;
    let history = this.histories.get(write.key);
    if (history === undefined) {
      history = { indexes: [], values: [] };
      this.histories.set(write.key, history);
    }
    history.indexes.push(entry.index);
    history.values.push(write.value);
  }

  private lastWriteAtOrBelow(key: string, index: number): { index: number; value: string } {
    const history = this.histories.get(key);
    if (history === undefined) return { index: 0, value: '' };
    let lo = 0;
    let hi = history.indexes.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((history.indexes[mid] as number) <= index) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { index: 0, value: '' } : { index: history.indexes[found] as number, value: history.values[found] as string };
  }
}
