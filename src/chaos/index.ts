/** Chaos testing on the emulator: nemesis schedules, a recorded client workload, the check, the report. */
export { type ChaosOptions, DEFAULT_CHAOS_OPTIONS, resolveChaosOptions } from './chaos_options.js';
export { ClusterNemesis, type FaultRecord, type NemesisCluster } from './cluster_nemesis.js';
export { HistoryRecorder } from './history_recorder.js';
export { LeaderMonitor, type LeaderSample, leaderlessMs } from './leader_monitor.js';
export {
  DEFAULT_NEMESIS_TIMING,
  FAULT_KINDS,
  type FaultAction,
  type FaultKind,
  type FaultPlan,
  NEMESIS_GROUPS,
  type NemesisTiming,
  parseNemesis,
  planFault,
} from './nemesis_plan.js';
export { OperationPicker, OPERATION_WEIGHTS, type PlannedOperation } from './op_picker.js';
export { REPORT_FILES, type ReportInput, renderReportHtml, writeReport } from './report.js';
export { type ChaosProgress, type ChaosResult, checkHistory, runChaos } from './run_chaos.js';
export { type ChaosSummary, type ChaosVerdict, formatSummary, summarize } from './summary.js';
export { ChaosWorkload, runOperation, type WorkloadOptions } from './workload.js';
