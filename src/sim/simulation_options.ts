import type { UnsafeBugs } from '../core/config.js';

/** Fault kinds the nemesis can inject; `heal` steps are always mixed in. */
export const NEMESIS_KINDS = ['partition', 'one-way', 'isolate-leader', 'link', 'crash', 'crash-all', 'pause'] as const;
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
  /** Deliberately broken core variants, to prove the checkers catch real bugs. */
  unsafe: UnsafeBugs;
}

/** The fast profile: 10 ms ticks, heartbeat every 5 ticks, election timeout 15-29 ticks. */
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
  unsafe: {},
};

/** Validates user-supplied options with clear messages (bad CLI input must not crash later). */
export function resolveSimulationOptions(partial: Partial<SimulationOptions>): SimulationOptions {
  const options: SimulationOptions = { ...DEFAULT_SIMULATION, ...partial };
  const positiveInts: Array<keyof SimulationOptions> = ['nodes', 'clients', 'keys', 'tickMs', 'heartbeatIntervalTicks', 'electionTimeoutTicks'];
  for (const name of positiveInts) {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${options.seed}`);
  if (options.nodes > 15) throw new RangeError(`nodes must be at most 15, got ${options.nodes}`);
  for (const name of ['durationMs', 'quietMs', 'faultIntervalMinMs', 'faultIntervalMaxMs'] as const) {
    if (!Number.isFinite(options[name]) || options[name] < 0) throw new RangeError(`${name} must be a number >= 0, got ${options[name]}`);
  }
  if (options.faultIntervalMaxMs < options.faultIntervalMinMs) throw new RangeError('faultIntervalMaxMs must be >= faultIntervalMinMs');
  for (const kind of options.nemesis) {
    if (!(NEMESIS_KINDS as readonly string[]).includes(kind)) throw new RangeError(`unknown nemesis '${kind}' (known: ${NEMESIS_KINDS.join(', ')})`);
  }
  return options;
}
