/**
 * Runs the nemesis schedule (nemesis_plan.ts) against a running cluster in real time: a gap, one
 * fault for its duration, its undo, again, until stopped. Each fault is recorded with its start
 * and end on the run's clock. stop() ends the fault in force and then heals everything the
 * schedule may have left behind, so the cluster can settle.
 */
import type { Cluster } from '../cluster/cluster_types.js';
import { Prng } from '../lib/prng.js';
import { type FaultAction, type FaultKind, type NemesisTiming, type NodeId, healAllActions, planFault } from './nemesis_plan.js';

export interface FaultRecord {
  id: number;
  kind: FaultKind | 'heal-all';
  description: string;
  nodes: NodeId[];
  startMs: number;
  /** Null while the fault is in force. */
  endMs: number | null;
  /** Fault verbs the cluster refused (e.g. pausing a node that died on its own), one line each. */
  errors: string[];
}

/** What the nemesis needs of a cluster: the fault verbs and who leads. */
export type NemesisCluster = Pick<Cluster, 'nodeIds' | 'leader' | 'partition' | 'partitionOneWay' | 'heal' | 'link' | 'crash' | 'restart' | 'pause' | 'resume'>;

export class ClusterNemesis {
  readonly faults: FaultRecord[] = [];
  private readonly cluster: NemesisCluster;
  private readonly kinds: readonly FaultKind[];
  private readonly random: Prng;
  private readonly timing: NemesisTiming;
  private readonly clock: () => number;
  private readonly down = new Set<NodeId>();
  private readonly paused = new Set<NodeId>();
  private readonly degraded = new Map<string, [NodeId, NodeId]>();
  private loop: Promise<void> = Promise.resolve();
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(cluster: NemesisCluster, kinds: readonly FaultKind[], seed: number, timing: NemesisTiming, clock: () => number) {
    this.cluster = cluster;
    this.kinds = kinds;
    this.random = new Prng(seed ^ 0x4e3e515);
    this.timing = timing;
    this.clock = clock;
  }

  start(): void {
    if (this.kinds.length === 0) return;
    this.loop = this.run();
  }

  /** Ends the fault in force, heals links and partitions, restarts and resumes every node. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    const actions = healAllActions(this.cluster.nodeIds, this.down, this.paused, [...this.degraded.values()]);
    const record = this.open('heal-all', 'heal everything: partitions, cuts, links; restart and resume nodes', [...this.down, ...this.paused]);
    await this.applyAll(actions, record);
    record.endMs = this.clock();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.sleep(this.random.int(this.timing.gapMinMs, this.timing.gapMaxMs));
      if (this.stopping) break;
      const leader = await this.cluster.leader().catch(() => null);
      const plan = planFault(this.random, this.kinds, this.cluster.nodeIds, leader, this.timing);
      const record = this.open(plan.kind, plan.description, plan.nodes);
      await this.applyAll(plan.start, record);
      await this.sleep(plan.durationMs);
      await this.applyAll(plan.end, record);
      record.endMs = this.clock();
    }
  }

  private open(kind: FaultRecord['kind'], description: string, nodes: NodeId[]): FaultRecord {
    const record: FaultRecord = { id: this.faults.length + 1, kind, description, nodes, startMs: this.clock(), endMs: null, errors: [] };
    this.faults.push(record);
    return record;
  }

  private async applyAll(actions: readonly FaultAction[], record: FaultRecord): Promise<void> {
    for (const action of actions) {
      try {
        await this.apply(action);
      } catch (error) {
        record.errors.push(`${action.verb}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private async apply(action: FaultAction): Promise<void> {
    const cluster = this.cluster;
    switch (action.verb) {
      case 'partition':
        return cluster.partition(action.groups);
      case 'cut':
        return cluster.partitionOneWay(action.from, action.to);
      case 'heal':
        return cluster.heal();
      case 'link': {
        const key = `${Math.min(action.a, action.b)}-${Math.max(action.a, action.b)}`;
        await cluster.link(action.a, action.b).set(action.settings);
        this.degraded.set(key, [action.a, action.b]);
        return;
      }
      case 'crash':
        await cluster.crash(action.node);
        this.down.add(action.node);
        return;
      case 'restart':
        this.down.delete(action.node);
        return cluster.restart(action.node);
      case 'pause':
        await cluster.pause(action.node);
        this.paused.add(action.node);
        return;
      case 'resume':
        this.paused.delete(action.node);
        return cluster.resume(action.node);
    }
  }

  private sleep(delayMs: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, delayMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
