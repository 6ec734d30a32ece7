/** The linearizability checker's public surface (history formats, checking in-thread or on a pool). */
export type { CasInput, History, Operation, OperationKind, Outcome, Value } from './history.js';
export { describeOperation, historyProblems } from './history.js';
export { type HistoryParseError, type HistoryParseResult, formatHistoryJsonLines, parseHistoryJsonLines } from './history_jsonl.js';
export { type JepsenImportOptions, type JepsenImportResult, formatJepsenEdn, importJepsenEdn } from './jepsen.js';
export { stepKv, ILLEGAL, KV_INITIAL_STATE } from './kv_model.js';
export {
  type CheckOptions,
  type CheckResult,
  type KeyFailure,
  type KeyResult,
  InvalidHistoryError,
  checkLinearizability,
  describeFailure,
} from './linearizability.js';
export { CheckPool, CheckPoolError, type CheckPoolOptions, type ParallelCheckOptions, checkLinearizabilityParallel } from './parallel.js';
export { type Corruption, type RandomHistoryOptions, corruptHistory, randomHistory } from './random_history.js';
