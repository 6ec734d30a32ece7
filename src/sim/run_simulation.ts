/**
 * One seeded simulation run: start the cluster, run the client workload and the nemesis for the
 * faulty phase, then a quiet period (everything healed and restarted) in which the cluster must
 * settle within a bound (liveness). Every checker runs throughout; the first violation stops the
 * run and is reported with the seed, the virtual time and the command that replays it.
 */
import { InvariantViolation } from '../lib/assert.js';
import { Prng } from '../lib/prng.js';
import type { NodeId } from '../core/types.js';
import type { Violation } from './checkers/violation.js';
import { Nemesis } from './nemesis.js';
import { DEFAULT_SIMULATION, resolveSimulationOptions, SIMULATION_FLAGS, type SimulationOptions } from './simulation_options.js';
import { Simulator } from './simulator.js';
import { Workload } from './workload.js';

/** How often, in virtual ms, the quiet period checks whether the cluster has settled. */
const SETTLE_CHECK_INTERVAL_MS = 50;

export interface SimulationResult {
  seed: number;
  ok: boolean;
  violation: Violation | null;
  traceHash: string;
  /** Virtual time simulated, in ms. */
  virtualMs: number;
  /** Virtual ms from the start of the quiet period until the cluster settled (or the bound). */
  settleMs: number;
  /** The command line that replays this run exactly. */
  replay: string;
  stats: {
    events: number;
    messagesSent: number;
    messagesDelivered: number;
    writesAcked: number;
    readsOk: number;
    retries: number;
    clientTimeouts: number;
    elections: number;
    faults: number;
    crashes: number;
    snapshots: number;
    snapshotsInstalled: number;
    committedIndex: number;
  };
}

export function runSimulation(partial: Partial<SimulationOptions>): SimulationResult {
  const options = resolveSimulationOptions(partial);
  const sim = new Simulator(options);
  const random = new Prng(options.seed ^ 0x5eed5eed).fork();
  const workload = new Workload(sim, random.fork(), options.clients, options.keys);
  const nemesis = new Nemesis(sim, random.fork(), options);
  const checkers = sim.checkers;
  const quietStartMs = options.durationMs;
  const deadlineMs = quietStartMs + options.quietMs;
  let settledAtMs = -1;
  let events = 0;

  const checkSettled = (): void => {
    if (settledAtMs >= 0) return;
    if (unsettledReason(sim, workload) === null) settledAtMs = sim.queue.nowMs;
    else sim.queue.after(SETTLE_CHECK_INTERVAL_MS, checkSettled);
  };
  sim.queue.at(quietStartMs, () => {
    workload.stopping = true;
    nemesis.quiet();
    checkSettled();
  });

  try {
    sim.start();
    workload.start();
    nemesis.start();
    while (checkers.violation === null && settledAtMs < 0) {
      if (sim.queue.peekTimeMs() > deadlineMs) {
        checkers.report('liveness', `not settled ${options.quietMs} ms after the quiet period began: ${unsettledReason(sim, workload)}`);
        break;
      }
      if (!sim.queue.runNext()) break;
      events++;
    }
    if (checkers.violation === null && settledAtMs >= 0) checkers.durability.checkAllApplied(appliedByNode(sim));
  } catch (error) {
    // A failed assertion in the code under test (or a crash) is a finding like any other.
    const checker = error instanceof InvariantViolation ? 'invariant' : 'exception';
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    checkers.violation ??= { checker, message, timeMs: sim.queue.nowMs };
  }

  return {
    seed: options.seed,
    ok: checkers.violation === null,
    violation: checkers.violation,
    traceHash: sim.trace.hex(),
    virtualMs: sim.queue.nowMs,
    settleMs: settledAtMs >= 0 ? settledAtMs - quietStartMs : options.quietMs,
    replay: replayCommand(options),
    stats: {
      events,
      messagesSent: sim.stats.messagesSent,
      messagesDelivered: sim.stats.messagesDelivered,
      ...workload.stats,
      elections: checkers.elections.elections,
      faults: nemesis.faults,
      crashes: sim.stats.crashes,
      snapshots: sim.stats.snapshots,
      snapshotsInstalled: sim.stats.snapshotsInstalled,
      committedIndex: checkers.committed.lastIndex,
    },
  };
}

/** Null once the cluster has settled: one leader everyone follows, all applied, clients done. */
function unsettledReason(sim: Simulator, workload: Workload): string | null {
  const statuses = sim.nodeIds.map((id) => sim.node(id).driver?.status() ?? null);
  if (statuses.some((status) => status === null)) return 'a node is down';
  const leaders = statuses.filter((status) => status?.role === 'leader');
  const describe = statuses.map((s) => `${s?.id}:${s?.role}/t${s?.term}/applied ${s?.appliedIndex}`).join(', ');
  if (leaders.length !== 1) return `${leaders.length} leaders (${describe})`;
  const leader = leaders[0];
  if (leader === null || leader === undefined) return 'no leader';
  if (statuses.some((status) => status?.leader !== leader.id || status.term !== leader.term)) return `nodes disagree on the leader (${describe})`;
  if (leader.commitIndex !== leader.lastIndex) return `leader ${leader.id} has uncommitted entries up to ${leader.lastIndex} (commit ${leader.commitIndex})`;
  if (statuses.some((status) => status?.appliedIndex !== leader.commitIndex)) return `not every node applied ${leader.commitIndex} (${describe})`;
  const busy = workload.busyClients();
  if (busy > 0) return `${busy} client operation(s) still pending (${describe})`;
  return null;
}

function appliedByNode(sim: Simulator): Map<NodeId, number> {
  return new Map(sim.nodeIds.map((id) => [id, sim.node(id).driver?.status().appliedIndex ?? 0]));
}

/** The CLI line that reproduces a run: the seed plus every option that differs from the default. */
export function replayCommand(options: SimulationOptions): string {
  return `kv-sim sim --seed ${options.seed} ${simulationFlags(options)}`;
}

/** The `kv-sim sim` flags that give `options` (the seed aside): --nodes, then every option that differs from the default. */
export function simulationFlags(options: SimulationOptions): string {
  const parts: string[] = [];
  for (const [option, flag] of Object.entries(SIMULATION_FLAGS) as Array<[keyof SimulationOptions, string]>) {
    if (option === 'seed') continue;
    const value = options[option];
    const shown = stringOfOption(value);
    // --nodes always, as a reminder of the cluster's size; the others only where they differ.
    if (option !== 'nodes' && shown === stringOfOption(DEFAULT_SIMULATION[option])) continue;
    if (typeof value === 'boolean') parts.push(value ? `--${flag}` : `--no-${flag}`);
    else parts.push(`--${flag} ${shown === '' ? 'none' : shown}`); // only an empty nemesis list shows as ''
  }
  return parts.join(' ');
}

/** An option's value as its flag takes it: lists comma-separated, unsafe as the names of its bugs on. */
function stringOfOption(value: SimulationOptions[keyof SimulationOptions]): string {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return Object.entries(value).filter(([, on]) => on === true).map(([name]) => name).join(',');
  return String(value);
}

export interface SeedsSummary {
  seedStart: number;
  seeds: number;
  passed: number;
  failures: SimulationResult[];
  /** Total virtual time simulated, in ms. */
  virtualMs: number;
}

/** Runs seeds seedStart .. seedStart + seeds - 1 with the same options; reports each result. */
export function runSeeds(
  options: Partial<SimulationOptions> & { seedStart: number; seeds: number },
  onResult: (result: SimulationResult) => void = () => {},
): SeedsSummary {
  const { seedStart, seeds, ...rest } = options;
  if (!Number.isInteger(seedStart) || seedStart < 0) throw new RangeError(`seedStart must be a non-negative integer, got ${seedStart}`);
  if (!Number.isInteger(seeds) || seeds < 1) throw new RangeError(`seeds must be a positive integer, got ${seeds}`);
  const summary: SeedsSummary = { seedStart, seeds, passed: 0, failures: [], virtualMs: 0 };
  for (let seed = seedStart; seed < seedStart + seeds; seed++) {
    const result = runSimulation({ ...rest, seed });
    summary.virtualMs += result.virtualMs;
    if (result.ok) summary.passed++;
    else summary.failures.push(result);
    onResult(result);
  }
  return summary;
}
