/**
 * The summary of a chaos run (summary.json, the CLI's printout, the report's header): operations
 * by outcome and kind, faults by kind, time without a leader, whether the cluster settled, and the
 * checker's verdict with each failure. The exit code follows from it: 0 linearizable, 1 not
 * linearizable, 2 unknown (budget spent) or an error (including a cluster that never settled).
 */
import { type CheckResult, describeFailure } from '../check/linearizability.js';
import type { History, OperationKind, Outcome } from '../check/history.js';
import type { ChaosOptions } from './chaos_options.js';
import type { FaultRecord } from './cluster_nemesis.js';

export type ChaosVerdict = 'linearizable' | 'not-linearizable' | 'unknown' | 'error';

export interface ChaosFailureSummary {
  key: string;
  failedOperationId: number;
  conflictingOperationIds: number[];
  windowStartTime: number;
  windowEndTime: number;
  /** describeFailure()'s text. */
  text: string;
}

export interface ChaosSummary {
  seed: number;
  settings: { nodes: number; clients: number; readerClients: number; keys: number; durationMs: number; transport: string; nemesis: string[] };
  operations: { total: number; ok: number; fail: number; unknown: number; byKind: Record<string, Record<Outcome, number>> };
  faults: { total: number; byKind: Record<string, number> };
  leaderlessMs: number;
  settled: boolean;
  /** From the end of healing until one leader led and every node had applied its commit index. */
  settleMs: number | null;
  check: { verdict: string; elapsedMs: number; keys: number; statesExplored: number; undecidedKeys: string[]; failures: ChaosFailureSummary[] } | null;
  verdict: ChaosVerdict;
  /** Why the verdict is 'error' (or a warning worth printing), else null. */
  problem: string | null;
  exitCode: 0 | 1 | 2;
  runMs: number;
}

export interface SummaryInputs {
  options: ChaosOptions;
  history: History;
  faults: readonly FaultRecord[];
  leaderlessMs: number;
  /** Null: never settled; undefined: not measured (the simulation). */
  settleMs: number | null | undefined;
  check: CheckResult | null;
  problem: string | null;
  runMs: number;
}

export function summarize(inputs: SummaryInputs): ChaosSummary {
  const { options, history, check } = inputs;
  const byKind: Record<string, Record<Outcome, number>> = {};
  const totals: Record<Outcome, number> = { ok: 0, fail: 0, unknown: 0 };
  for (const op of history) {
    const counts = (byKind[op.kind] ??= { ok: 0, fail: 0, unknown: 0 });
    counts[op.outcome]++;
    totals[op.outcome]++;
  }
  const faultsByKind: Record<string, number> = {};
  const injected = inputs.faults.filter((fault) => fault.kind !== 'heal-all');
  for (const fault of injected) faultsByKind[fault.kind] = (faultsByKind[fault.kind] ?? 0) + 1;
  const settled = inputs.settleMs !== null;
  const verdict: ChaosVerdict =
    check === null ? 'error' : check.verdict === 'not-linearizable' ? 'not-linearizable' : !settled || inputs.problem !== null ? 'error' : check.verdict;
  const problem = inputs.problem ?? (!settled ? `the cluster did not settle within ${options.settleTimeoutMs} ms after healing` : null);
  return {
    seed: options.seed,
    settings: { nodes: options.nodes, clients: options.clients, readerClients: options.readerClients, keys: options.keys, durationMs: options.durationMs, transport: options.transport, nemesis: [...options.nemesis] },
    operations: { total: history.length, ...totals, byKind },
    faults: { total: injected.length, byKind: faultsByKind },
    leaderlessMs: Math.round(inputs.leaderlessMs),
    settled,
    settleMs: inputs.settleMs === null || inputs.settleMs === undefined ? null : Math.round(inputs.settleMs),
    check: check === null ? null : {
      verdict: check.verdict,
      elapsedMs: Math.round(check.elapsedMs),
      keys: check.keys,
      statesExplored: check.statesExplored,
      undecidedKeys: check.undecidedKeys,
      failures: check.failures.map((failure) => ({
        key: failure.key,
        failedOperationId: failure.failedOperation.id,
        conflictingOperationIds: failure.conflicting.map((op) => op.id),
        windowStartTime: failure.windowStartTime,
        windowEndTime: failure.windowEndTime,
        text: describeFailure(failure),
      })),
    },
    verdict,
    problem,
    exitCode: verdict === 'linearizable' ? 0 : verdict === 'not-linearizable' ? 1 : 2,
    runMs: Math.round(inputs.runMs),
  };
}

const KIND_ORDER: readonly OperationKind[] = ['read', 'write', 'cas', 'append', 'delete'];

/** The CLI's printout: a few lines a person reads at a glance. */
export function formatSummary(summary: ChaosSummary): string {
  const s = summary.settings;
  const ops = summary.operations;
  const kinds = KIND_ORDER.filter((kind) => summary.operations.byKind[kind] !== undefined)
    .map((kind) => {
      const c = summary.operations.byKind[kind] as Record<Outcome, number>;
      return `${kind} ${c.ok}/${c.fail}/${c.unknown}`;
    })
    .join(', ');
  const faults = Object.entries(summary.faults.byKind).map(([kind, n]) => `${kind} ${n}`).join(', ');
  const lines = [
    `chaos: seed ${summary.seed}, ${s.nodes} nodes (${s.transport}), ${describeClients(s)} on ${s.keys} keys, ${(s.durationMs / 1000).toFixed(0)} s, nemesis ${s.nemesis.join(',') || 'none'}`,
    `operations: ${ops.total} (ok ${ops.ok}, failed ${ops.fail}, unknown ${ops.unknown}); by kind ok/failed/unknown: ${kinds || 'none'}`,
    `faults injected: ${summary.faults.total}${faults ? ` (${faults})` : ''}`,
    `time without a leader: ${(summary.leaderlessMs / 1000).toFixed(2)} s; settled after healing: ${!summary.settled ? 'NO' : summary.settleMs === null ? 'not measured' : `yes, in ${summary.settleMs} ms`}`,
  ];
  if (summary.check !== null) {
    const c = summary.check;
    lines.push(`checker: ${c.verdict} (${c.keys} keys, ${c.statesExplored} states, ${c.elapsedMs} ms${c.undecidedKeys.length > 0 ? `, undecided keys: ${c.undecidedKeys.join(', ')}` : ''})`);
    for (const failure of c.failures.slice(0, 3)) lines.push(failure.text);
    if (c.failures.length > 3) lines.push(`... and ${c.failures.length - 3} more failing keys (see the report)`);
  }
  if (summary.problem !== null) lines.push(`problem: ${summary.problem}`);
  lines.push(`verdict: ${summary.verdict.toUpperCase()} (exit ${summary.exitCode})`);
  return lines.join('\n');
}

/** "10 clients", or "10 clients + 2 readers" when some clients only read. */
export function describeClients(settings: ChaosSummary['settings']): string {
  return `${settings.clients} clients${settings.readerClients > 0 ? ` + ${settings.readerClients} readers` : ''}`;
}

/** Lanes of the report's timeline: one per client, readers included. */
export function clientLanes(settings: ChaosSummary['settings']): number {
  return settings.clients + settings.readerClients;
}
