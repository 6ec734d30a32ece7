/**
 * One chaos run on the emulator: start a cluster, run the workload and the nemesis for the faulty
 * phase, stop both (healing everything), wait for the cluster to settle, stop it, and check the
 * recorded history for linearizability. Times in the history and the fault log are ms since the
 * cluster was up, on the monotonic clock (performance.now).
 */
import { CheckPool, CheckPoolError } from '../check/parallel.js';
import { checkLinearizability, type CheckResult } from '../check/linearizability.js';
import type { Operation } from '../check/history.js';
import { startCluster } from '../cluster/start_cluster.js';
import { leaderOf } from '../cluster/cluster_status.js';
import type { Cluster } from '../cluster/cluster_types.js';
import { type ChaosOptions, resolveChaosOptions } from './chaos_options.js';
import { ClusterNemesis, type FaultRecord } from './cluster_nemesis.js';
import { HistoryRecorder } from './history_recorder.js';
import { LeaderMonitor, type LeaderSample, leaderlessMs } from './leader_monitor.js';
import { type ChaosSummary, summarize } from './summary.js';
import { ChaosWorkload } from './workload.js';

export interface ChaosResult {
  summary: ChaosSummary;
  history: Operation[];
  faults: FaultRecord[];
  leaderSamples: LeaderSample[];
  check: CheckResult | null;
}

/** Lines of progress for a person watching (the CLI prints them to stderr). */
export type ChaosProgress = (line: string) => void;

const PROGRESS_INTERVAL_MS = 5_000;
/** Histories at least this long are checked on a worker pool when the compiled worker exists. */
const POOL_BELOW_OPERATIONS = 2_000;

/**
 * `stop` ends the faulty phase early (Ctrl-C): the run then heals, settles, stops the cluster and
 * checks what it recorded, as at the planned end.
 */
export async function runChaos(partial: Partial<ChaosOptions>, progress: ChaosProgress = () => {}, stop?: AbortSignal): Promise<ChaosResult> {
  const options = resolveChaosOptions(partial);
  const runStartMs = performance.now();
  const cluster = await startCluster({
    nodes: options.nodes,
    transport: options.transport,
    seed: options.seed,
    logLevel: 'silent',
    readLease: options.readLease,
    ...(options.unsafeReadsFromFollowers ? { unsafeReadsFromFollowers: true } : {}),
  });
  let phase: Phase;
  try {
    await cluster.waitForLeader({ timeoutMs: options.settleTimeoutMs });
    phase = await faultyPhase(cluster, options, progress, stop);
  } finally {
    await cluster.stop();
  }
  progress(`checking ${phase.history.length} operations for linearizability...`);
  let check: CheckResult | null = null;
  let problem: string | null = null;
  try {
    check = await checkHistory(phase.history, options.checkBudgetMs);
  } catch (error) {
    problem = `the checker failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  const summary = summarize({
    options,
    history: phase.history,
    faults: phase.faults,
    leaderlessMs: leaderlessMs(phase.leaderSamples, phase.endMs),
    settleMs: phase.settleMs,
    check,
    problem,
    runMs: performance.now() - runStartMs,
  });
  return { summary, history: phase.history, faults: phase.faults, leaderSamples: phase.leaderSamples, check };
}

interface Phase {
  history: Operation[];
  faults: FaultRecord[];
  leaderSamples: LeaderSample[];
  endMs: number;
  settleMs: number | null;
}

async function faultyPhase(cluster: Cluster, options: ChaosOptions, progress: ChaosProgress, stop?: AbortSignal): Promise<Phase> {
  const originMs = performance.now();
  const clock = (): number => performance.now() - originMs;
  const recorder = new HistoryRecorder();
  const monitor = new LeaderMonitor(() => cluster.leader(), clock, options.leaderSampleIntervalMs);
  const workload = new ChaosWorkload(
    () => cluster.client({ timeoutMs: options.operationTimeoutMs }),
    recorder,
    { clients: options.clients, readerClients: options.readerClients, keys: options.keys, seed: options.seed, operationTimeoutMs: options.operationTimeoutMs, thinkMaxMs: options.thinkMaxMs },
    clock,
  );
  const nemesis = new ClusterNemesis(cluster, options.nemesis, options.seed, options.nemesisTiming, clock);
  monitor.start();
  workload.start();
  nemesis.start();
  const ticker = setInterval(() => {
    const s = workload.stats;
    const leader = monitor.samples.at(-1)?.leader ?? null;
    progress(`t=${(clock() / 1000).toFixed(0)}s ops ok ${s.ok} failed ${s.fail} unknown ${s.unknown}; faults ${nemesis.faults.length}; leader ${leader ?? 'none'}`);
  }, PROGRESS_INTERVAL_MS);
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.durationMs);
      const stopEarly = (): void => {
        clearTimeout(timer);
        progress('stopping early: healing, settling and checking what was recorded');
        resolve();
      };
      if (stop?.aborted) stopEarly();
      else stop?.addEventListener('abort', stopEarly, { once: true });
    });
  } finally {
    clearInterval(ticker);
  }
  progress('faulty phase over: healing everything and letting the clients finish...');
  await nemesis.stop();
  await workload.stop();
  const healedAtMs = clock();
  const settleMs = await settle(cluster, options.settleTimeoutMs).then(() => clock() - healedAtMs, () => null);
  const endMs = clock();
  await monitor.stop();
  return { history: recorder.history(), faults: nemesis.faults, leaderSamples: monitor.samples, endMs, settleMs };
}

/** Every node up, one leader, and every node applied up to the leader's commit index. */
async function settle(cluster: Cluster, timeoutMs: number): Promise<void> {
  await cluster.waitFor((statuses) => {
    const leaderId = leaderOf(statuses);
    const leader = statuses.find((status) => status.id === leaderId);
    if (leader === undefined || statuses.some((status) => !status.up || status.paused)) return false;
    return statuses.every((status) => status.appliedIndex === leader.commitIndex && status.term === leader.term);
  }, { timeoutMs });
}

/** On the worker pool for long histories when the compiled worker is there; in this thread otherwise. */
export async function checkHistory(history: readonly Operation[], budgetMs: number): Promise<CheckResult> {
  if (history.length < POOL_BELOW_OPERATIONS) return checkLinearizability(history, { budgetMs });
  let pool: CheckPool;
  try {
    pool = new CheckPool();
  } catch (error) {
    if (error instanceof CheckPoolError) return checkLinearizability(history, { budgetMs });
    throw error;
  }
  try {
    return await pool.check(history, { budgetMs });
  } finally {
    await pool.close();
  }
}
