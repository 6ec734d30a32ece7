import type { UnsafeBugs } from '../core/config.js';

/** Fault kinds the nemesis can inject; `heal` steps are always mixed in. */
export const NEMESIS_KINDS = ['partition', 'one-way', 'isolate-leader', 'link', 'crash', 'crash-leader', 'crash-all', 'pause'] as const;
export type NemesisKind = (typeof NEMESIS_KINDS)[number];

export interface SimulationOptions {
  seed: number;
  nodes: number;
  /** Concurrent clients, each with one operation outstanding at a time. */
  clients: number;
  /** Registers the clients write and read (few keys: more contention). */
  keys: number;
  /** Length of the faulty phase in virtual ms; then the quiet period starts. */
  durationMs: number;
  /** Liveness bound: after the quiet period starts, everything must settle within this. */
  quietMs: number;
  tickMs: number;
  heartbeatIntervalTicks: number;
  electionTimeoutTicks: number;
  /** Faults to inject; empty for a fault-free run. */
  nemesis: readonly NemesisKind[];
  /** Virtual ms between nemesis steps, drawn uniformly from [min, max]. */
  faultIntervalMinMs: number;
  faultIntervalMaxMs: number;
  /** How long a crashed or paused node stays down, drawn uniformly from [min, max] virtual ms. */
  downtimeMinMs: number;
  downtimeMaxMs: number;
  /**
   * One-way latency of every link before link rules apply, plus a uniform random extra of up to
   * networkJitterMs (which lets messages overtake each other).
   */
  networkDelayMs: number;
  networkJitterMs: number;
  /** Raft's bound on payload bytes per append message (small values split replication up). */
  appendBytesMax: number;
  /** Raft's pre-vote and check-quorum (on in products; off makes elections far more turbulent). */
  preVote: boolean;
  checkQuorum: boolean;
  /** Lease reads on the leader (Raft thesis §6.4.1; only with check-quorum). */
  readLease: boolean;
  /** Deliberately broken core variants, to prove the checkers catch real bugs. */
  unsafe: UnsafeBugs;
  /**
   * Snapshot and compact after this many applied entries (0: never). Small values make nodes that
   * were down or cut off catch up by InstallSnapshot, crashes included.
   */
  snapshotEntriesThreshold: number;
  /** Entries kept in the log behind a snapshot. */
  snapshotRetainEntries: number;
  /** Bytes per InstallSnapshot chunk (small values make transfers take many chunks). */
  snapshotChunkBytesMax: number;
  /**
   * Writes become durable after a background sync of up to this many virtual ms (group commit,
   * as in the SQLite storage); a crash loses what was not synced. 0: durable when written.
   */
  syncDelayMaxMs: number;
}

/** The fast profile: 10 ms ticks, heartbeat every 5 ticks, election timeout 15-29 ticks. */
/**
 * The `kv-sim sim` flag of each option: the CLI reads the options through it and names them in
 * errors, and simulationFlags() writes a run's command line in this order.
 */
export const SIMULATION_FLAGS = {
  nodes: 'nodes',
  clients: 'clients',
  keys: 'keys',
  durationMs: 'duration-ms',
  quietMs: 'quiet-ms',
  nemesis: 'nemesis',
  faultIntervalMinMs: 'fault-interval-min-ms',
  faultIntervalMaxMs: 'fault-interval-max-ms',
  downtimeMinMs: 'downtime-min-ms',
  downtimeMaxMs: 'downtime-max-ms',
  networkDelayMs: 'network-delay-ms',
  networkJitterMs: 'network-jitter-ms',
  tickMs: 'tick-ms',
  heartbeatIntervalTicks: 'heartbeat-ticks',
  electionTimeoutTicks: 'election-ticks',
  appendBytesMax: 'append-bytes-max',
  snapshotEntriesThreshold: 'snapshot-every',
  snapshotRetainEntries: 'snapshot-retain',
  snapshotChunkBytesMax: 'snapshot-chunk-bytes',
  syncDelayMaxMs: 'sync-delay-max-ms',
  preVote: 'pre-vote',
  checkQuorum: 'check-quorum',
  readLease: 'read-lease',
  unsafe: 'unsafe',
  seed: 'seed',
} as const satisfies Record<keyof SimulationOptions, string>;

export const DEFAULT_SIMULATION: SimulationOptions = {
  seed: 1,
  nodes: 5,
  clients: 4,
  keys: 4,
  durationMs: 10_000,
  quietMs: 5_000,
  tickMs: 10,
  heartbeatIntervalTicks: 5,
  electionTimeoutTicks: 15,
  nemesis: NEMESIS_KINDS,
  faultIntervalMinMs: 200,
  faultIntervalMaxMs: 1_500,
  downtimeMinMs: 100,
  downtimeMaxMs: 2_500,
  networkDelayMs: 1,
  networkJitterMs: 0,
  appendBytesMax: 1 << 20,
  preVote: true,
  checkQuorum: true,
  readLease: true,
  unsafe: {},
  snapshotEntriesThreshold: 40,
  snapshotRetainEntries: 5,
  snapshotChunkBytesMax: 64,
  syncDelayMaxMs: 2,
};

/**
 * Validates user-supplied options with clear messages (bad CLI input must not crash later). Each
 * message names an option through `nameOf`, so that the CLI can name the flag a user typed.
 */
export function resolveSimulationOptions(
  partial: Partial<SimulationOptions>,
  nameOf: (option: keyof SimulationOptions) => string = (option) => option,
): SimulationOptions {
  const unknown = Object.keys(partial).filter((name) => !(name in DEFAULT_SIMULATION));
  if (unknown.length > 0) {
    throw new RangeError(`unknown simulation option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${Object.keys(DEFAULT_SIMULATION).join(', ')})`);
  }
  const given = Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
  const options: SimulationOptions = { ...DEFAULT_SIMULATION, ...given };
  const positiveInts: Array<keyof SimulationOptions> = ['nodes', 'clients', 'keys', 'tickMs', 'heartbeatIntervalTicks', 'electionTimeoutTicks', 'snapshotChunkBytesMax', 'appendBytesMax'];
  for (const name of positiveInts) {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${nameOf(name)} must be a positive integer, got ${String(value)}`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new RangeError(`${nameOf('seed')} must be a non-negative integer, got ${options.seed}`);
  if (options.nodes > 15) throw new RangeError(`${nameOf('nodes')} must be at most 15, got ${options.nodes}`);
  for (const name of ['durationMs', 'quietMs', 'faultIntervalMinMs', 'faultIntervalMaxMs', 'downtimeMinMs', 'downtimeMaxMs', 'networkDelayMs', 'networkJitterMs', 'syncDelayMaxMs'] as const) {
    if (!Number.isFinite(options[name]) || options[name] < 0) throw new RangeError(`${nameOf(name)} must be a number >= 0, got ${options[name]}`);
  }
  for (const name of ['snapshotEntriesThreshold', 'snapshotRetainEntries'] as const) {
    if (!Number.isInteger(options[name]) || options[name] < 0) throw new RangeError(`${nameOf(name)} must be an integer >= 0, got ${options[name]}`);
  }
  for (const [high, low] of [['faultIntervalMaxMs', 'faultIntervalMinMs'], ['downtimeMaxMs', 'downtimeMinMs']] as const) {
    if (options[high] < options[low]) throw new RangeError(`${nameOf(high)} (${options[high]}) must be >= ${nameOf(low)} (${options[low]})`);
  }
  if (options.electionTimeoutTicks <= options.heartbeatIntervalTicks) {
    throw new RangeError(
      `${nameOf('electionTimeoutTicks')} (${options.electionTimeoutTicks}) must exceed ${nameOf('heartbeatIntervalTicks')} (${options.heartbeatIntervalTicks})`,
    );
  }
  for (const kind of options.nemesis) {
    if (!(NEMESIS_KINDS as readonly string[]).includes(kind)) throw new RangeError(`unknown nemesis '${kind}' (known: ${NEMESIS_KINDS.join(', ')})`);
  }
  return options;
}
