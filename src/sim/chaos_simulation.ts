/**
 * The chaos run inside the deterministic simulator: the emulator's nemesis plans
 * (src/chaos/nemesis_plan.ts) applied on virtual time, chaos clients running the same operations
 * against the real key-value state machine, and the history checked with src/check. The history,
 * the fault log and the trace hash are a pure function of the options, so a violation found here
 * replays exactly from its seed; the verdict too, unless the checker's budget runs out.
 */
import type { Operation } from '../check/history.js';
import { checkLinearizability, type CheckResult } from '../check/linearizability.js';
import type { FaultRecord } from '../chaos/cluster_nemesis.js';
import { HistoryRecorder } from '../chaos/history_recorder.js';
import type { LeaderSample } from '../chaos/leader_monitor.js';
import { type FaultAction, type FaultKind, type FaultPlan, type NemesisTiming, FAULT_KINDS, healAllActions, planFault } from '../chaos/nemesis_plan.js';
import { OperationPicker } from '../chaos/op_picker.js';
import { KvStateMachine } from '../kv/index.js';
import { Prng } from '../lib/prng.js';
import { ChaosSimClient } from './chaos_client.js';
import { DEFAULT_SIMULATION, resolveSimulationOptions } from './simulation_options.js';
import { Simulator } from './simulator.js';

export interface ChaosSimulationOptions {
  seed: number;
  nodes: number;
  clients: number;
  keys: number;
  /** Virtual ms of faults and load; then everything heals. */
  durationMs: number;
  /** Virtual ms after healing for clients to finish and the cluster to settle. */
  quietMs: number;
  nemesis: readonly FaultKind[];
  nemesisTiming: NemesisTiming;
  operationTimeoutMs: number;
  attemptTimeoutMs: number;
  thinkMaxMs: number;
  /** TEST HOOK THAT BREAKS LINEARIZABILITY: followers answer linearizable reads from their own state. */
  unsafeReadsFromFollowers: boolean;
  /** Lease reads on the leader (the simulator's default: on). */
  readLease: boolean;
  /**
   * Extra clients that only read. A reader never hangs on a write at a cut-off leader, so after a
   * leader change it keeps reading from old leaders and lagging followers: that is where stale
   * reads would show.
   */
  readerClients: number;
  checkBudgetMs: number;
}

export const DEFAULT_CHAOS_SIMULATION: ChaosSimulationOptions = {
  seed: 1,
  nodes: 5,
  clients: 5,
  keys: 3,
  durationMs: 10_000,
  quietMs: 5_000,
  nemesis: FAULT_KINDS,
  nemesisTiming: { gapMinMs: 100, gapMaxMs: 800, durationMinMs: 200, durationMaxMs: 2_000 },
  // Short enough that some operations end unknown (the checker must handle them), long enough for most to finish.
  operationTimeoutMs: 800,
  attemptTimeoutMs: 300,
  thinkMaxMs: 10,
  unsafeReadsFromFollowers: false,
  readLease: DEFAULT_SIMULATION.readLease,
  readerClients: 0,
  checkBudgetMs: 20_000,
};

export interface ChaosSimulationResult {
  seed: number;
  /** Linearizable and no safety checker fired. */
  ok: boolean;
  history: Operation[];
  faults: FaultRecord[];
  leaderSamples: LeaderSample[];
  check: CheckResult;
  /** A Raft safety checker's finding (election safety, log matching...), if any. */
  safetyViolation: string | null;
  traceHash: string;
  virtualMs: number;
}

const LEADER_SAMPLE_MS = 50;

export function runChaosSimulation(partial: Partial<ChaosSimulationOptions> & { seed: number }): ChaosSimulationResult {
  const options: ChaosSimulationOptions = { ...DEFAULT_CHAOS_SIMULATION, ...definedOnly(partial) };
  if (!Number.isInteger(options.readerClients) || options.readerClients < 0) {
    throw new RangeError(`readerClients must be an integer >= 0, got ${String(options.readerClients)}`);
  }
  // Validates seed, nodes, clients and keys with the simulator's own messages.
  const simOptions = resolveSimulationOptions({ ...DEFAULT_SIMULATION, seed: options.seed, nodes: options.nodes, clients: options.clients, keys: options.keys, readLease: options.readLease });
  const sim = new Simulator(simOptions, { stateMachine: () => new KvStateMachine() });
  const random = new Prng(options.seed ^ 0x0c4a05);
  const recorder = new HistoryRecorder();
  // Every client, readers included: a client's next id after an unknown outcome steps by this.
  const settings = { clients: options.clients + options.readerClients, operationTimeoutMs: options.operationTimeoutMs, attemptTimeoutMs: options.attemptTimeoutMs, thinkMaxMs: options.thinkMaxMs, unsafeReadsFromFollowers: options.unsafeReadsFromFollowers };
  const clients = Array.from({ length: options.clients + options.readerClients }, (_, i) => {
    const picker = new OperationPicker(random.fork(), i + 1, options.keys, { readsOnly: i >= options.clients });
    return new ChaosSimClient(i + 1, sim, recorder, picker, random.fork(), settings);
  });
  const nemesis = new SimNemesis(sim, options, random.fork());
  const leaderSamples: LeaderSample[] = [];
  const sample = (): void => {
    const leader = sim.currentLeader();
    if (leaderSamples.at(-1)?.leader !== (leader === 0 ? null : leader)) leaderSamples.push({ timeMs: sim.queue.nowMs, leader: leader === 0 ? null : leader });
    if (sim.queue.nowMs < options.durationMs + options.quietMs) sim.queue.after(LEADER_SAMPLE_MS, sample);
  };
  sim.queue.at(options.durationMs, () => {
    for (const client of clients) client.stopping = true;
    nemesis.stop();
  });
  const endMs = options.durationMs + options.quietMs;
  let error: string | null = null;
  try {
    sim.start();
    sample();
    for (const client of clients) client.scheduleNext();
    nemesis.start();
    while (sim.checkers.violation === null && sim.queue.peekTimeMs() <= endMs) {
      if (sim.queue.nowMs > options.durationMs && clients.every((client) => !client.busy)) break;
      if (!sim.queue.runNext()) break;
    }
  } catch (thrown) {
    error = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  }
  const history = recorder.history();
  const check = checkLinearizability(history, { budgetMs: options.checkBudgetMs });
  const violation = sim.checkers.violation;
  const safetyViolation = error ?? (violation === null ? null : `${violation.checker}: ${violation.message} (at ${violation.timeMs} ms)`);
  return {
    seed: options.seed,
    ok: check.verdict === 'linearizable' && safetyViolation === null,
    history,
    faults: nemesis.faults,
    leaderSamples,
    check,
    safetyViolation,
    traceHash: sim.trace.hex(),
    virtualMs: sim.queue.nowMs,
  };
}

/** The nemesis on virtual time: gap, one planned fault, its undo; stop() ends it and heals everything. */
class SimNemesis {
  readonly faults: FaultRecord[] = [];
  private readonly sim: Simulator;
  private readonly options: ChaosSimulationOptions;
  private readonly random: Prng;
  private current: { plan: FaultPlan; record: FaultRecord } | null = null;
  private stopped = false;
  private readonly degraded = new Map<string, [number, number]>();

  constructor(sim: Simulator, options: ChaosSimulationOptions, random: Prng) {
    this.sim = sim;
    this.options = options;
    this.random = random;
  }

  start(): void {
    if (this.options.nemesis.length > 0) this.scheduleNext();
  }

  stop(): void {
    this.stopped = true;
    this.endCurrent();
    const down = new Set(this.sim.nodeIds.filter((id) => this.sim.node(id).driver === null));
    const paused = new Set(this.sim.nodeIds.filter((id) => this.sim.node(id).paused));
    const record = this.open('heal-all', 'heal everything: partitions, cuts, links; restart and resume nodes', [...down, ...paused]);
    for (const action of healAllActions(this.sim.nodeIds, down, paused, [...this.degraded.values()])) this.apply(action);
    record.endMs = this.sim.queue.nowMs;
  }

  private scheduleNext(): void {
    const timing = this.options.nemesisTiming;
    this.sim.queue.after(this.random.int(timing.gapMinMs, timing.gapMaxMs), () => {
      if (this.stopped) return;
      const leader = this.sim.currentLeader();
      const plan = planFault(this.random, this.options.nemesis, this.sim.nodeIds, leader === 0 ? null : leader, timing);
      const record = this.open(plan.kind, plan.description, plan.nodes);
      for (const action of plan.start) this.apply(action);
      this.current = { plan, record };
      this.sim.queue.after(plan.durationMs, () => {
        if (this.current?.record !== record) return;
        this.endCurrent();
        this.scheduleNext();
      });
    });
  }

  private endCurrent(): void {
    const current = this.current;
    if (current === null) return;
    this.current = null;
    for (const action of current.plan.end) this.apply(action);
    current.record.endMs = this.sim.queue.nowMs;
  }

  private open(kind: FaultRecord['kind'], description: string, nodes: number[]): FaultRecord {
    const record: FaultRecord = { id: this.faults.length + 1, kind, description, nodes, startMs: this.sim.queue.nowMs, endMs: null, errors: [] };
    this.faults.push(record);
    this.sim.trace.mix(this.faults.length);
    return record;
  }

  private apply(action: FaultAction): void {
    const sim = this.sim;
    switch (action.verb) {
      case 'partition':
        return sim.partition(action.groups);
      case 'cut':
        return sim.partitionOneWay(action.from, action.to);
      case 'heal':
        return sim.heal();
      case 'link':
        this.degraded.set(`${Math.min(action.a, action.b)}-${Math.max(action.a, action.b)}`, [action.a, action.b]);
        return sim.setLink(action.a, action.b, action.settings);
      case 'crash':
        return sim.crash(action.node);
      case 'restart':
        return sim.restart(action.node);
      case 'pause':
        return sim.pause(action.node);
      case 'resume':
        return sim.resume(action.node);
    }
  }
}

function definedOnly<T extends object>(partial: T): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}
