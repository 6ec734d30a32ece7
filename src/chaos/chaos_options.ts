/** Options of a chaos run on the emulator, with defaults and up-front checks (clear RangeErrors). */
import { CLUSTER_NODES_MAX } from '../cluster/cluster_options.js';
import { DEFAULT_NEMESIS_TIMING, FAULT_KINDS, type FaultKind, type NemesisTiming } from './nemesis_plan.js';

export interface ChaosOptions {
  nodes: number;
  /** Length of the faulty phase (workload and nemesis), in ms. */
  durationMs: number;
  clients: number;
  /**
   * Extra clients that only read. With lease reads a cut-off leader answers reads at once but
   * hangs on writes, so ordinary clients soon follow the new leader; readers stay with it while it
   * answers, and go wherever answers come from, which is where stale reads would show.
   */
  readerClients: number;
  /** Keys the clients share (few keys: more contention, more informative reads). */
  keys: number;
  nemesis: readonly FaultKind[];
  seed: number;
  transport: 'channel' | 'tcp';
  nemesisTiming: NemesisTiming;
  /** One operation's deadline, retries included; beyond it the outcome is unknown. */
  operationTimeoutMs: number;
  /** Each client pauses 0..thinkMaxMs between operations. */
  thinkMaxMs: number;
  /** After healing, how long the cluster may take to elect a leader and apply everything. */
  settleTimeoutMs: number;
  /** The linearizability checker's time budget. */
  checkBudgetMs: number;
  /** How often the leader is sampled (time without a leader). */
  leaderSampleIntervalMs: number;
  /** TEST HOOK THAT BREAKS LINEARIZABILITY (followers answer linearizable reads locally). */
  unsafeReadsFromFollowers: boolean;
  /** Lease reads on the leader (ClusterOptions.readLease). */
  readLease: boolean;
}

export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  nodes: 5,
  durationMs: 60_000,
  clients: 10,
  readerClients: 0,
  keys: 8,
  nemesis: FAULT_KINDS.filter((kind) => kind !== 'pause'),
  seed: 1,
  transport: 'channel',
  nemesisTiming: DEFAULT_NEMESIS_TIMING,
  operationTimeoutMs: 5_000,
  thinkMaxMs: 20,
  settleTimeoutMs: 30_000,
  checkBudgetMs: 60_000,
  leaderSampleIntervalMs: 100,
  unsafeReadsFromFollowers: false,
  readLease: true,
};

export function resolveChaosOptions(partial: Partial<ChaosOptions>): ChaosOptions {
  const given = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
  const options: ChaosOptions = { ...DEFAULT_CHAOS_OPTIONS, ...given };
  const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  };
  integer('nodes', options.nodes, 1, CLUSTER_NODES_MAX);
  integer('clients', options.clients, 1, 1_000);
  integer('readerClients', options.readerClients, 0, 1_000);
  integer('keys', options.keys, 1, 100_000);
  integer('seed', options.seed, 0);
  for (const name of ['durationMs', 'operationTimeoutMs', 'settleTimeoutMs', 'checkBudgetMs', 'leaderSampleIntervalMs'] as const) {
    if (!Number.isFinite(options[name]) || options[name] <= 0) throw new RangeError(`${name} must be a positive number, got ${String(options[name])}`);
  }
  if (!Number.isFinite(options.thinkMaxMs) || options.thinkMaxMs < 0) throw new RangeError(`thinkMaxMs must be >= 0, got ${String(options.thinkMaxMs)}`);
  if (options.transport !== 'channel' && options.transport !== 'tcp') throw new RangeError(`transport must be channel or tcp, got ${String(options.transport)}`);
  for (const kind of options.nemesis) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new RangeError(`unknown fault kind '${String(kind)}'`);
  }
  const t = options.nemesisTiming;
  if (!(t.gapMinMs >= 0 && t.gapMaxMs >= t.gapMinMs && t.durationMinMs >= 0 && t.durationMaxMs >= t.durationMinMs)) {
    throw new RangeError('nemesis timing needs 0 <= gapMinMs <= gapMaxMs and 0 <= durationMinMs <= durationMaxMs');
  }
  return options;
}
