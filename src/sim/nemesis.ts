/**
 * The nemesis: a seeded schedule of faults during the faulty phase — partitions into random
 * groups, one-way cuts, isolating the leader, degraded links, crashes (of one node or all) with
 * restarts, pauses — interleaved with heal steps. quiet() undoes everything for the liveness check.
 */
import type { NodeId } from '../core/types.js';
import type { Prng } from '../lib/prng.js';
import type { NemesisKind, SimulationOptions } from './simulation_options.js';
import type { Simulator } from './simulator.js';

const HEAL_WEIGHT = 0.25;
/** Faults between two nodes. */
const LINK_FAULTS: ReadonlySet<NemesisKind> = new Set(['partition', 'one-way', 'link']);

export class Nemesis {
  private readonly sim: Simulator;
  private readonly random: Prng;
  private readonly options: SimulationOptions;
  private readonly kinds: readonly NemesisKind[];
  private quietStarted = false;
  faults = 0;

  constructor(sim: Simulator, random: Prng, options: SimulationOptions) {
    this.sim = sim;
    this.random = random;
    this.options = options;
    // A single node has no links to cut or degrade.
    this.kinds = sim.nodeIds.length > 1 ? options.nemesis : options.nemesis.filter((kind) => !LINK_FAULTS.has(kind));
  }

  start(): void {
    if (this.kinds.length === 0) return;
    this.scheduleStep();
  }

  /** Heals every cut and link, restarts every crashed node and resumes every paused one. */
  quiet(): void {
    this.quietStarted = true;
    this.sim.heal();
    this.sim.resetLinks();
    for (const id of this.sim.nodeIds) {
      this.sim.restart(id);
      this.sim.resume(id);
    }
  }

  private scheduleStep(): void {
    const delayMs = this.random.int(this.options.faultIntervalMinMs, this.options.faultIntervalMaxMs);
    this.sim.queue.after(delayMs, () => {
      if (this.quietStarted) return;
      this.step();
      this.scheduleStep();
    });
  }

  private step(): void {
    if (this.random.chance(HEAL_WEIGHT)) {
      this.sim.heal();
      if (this.random.chance(0.5)) this.sim.resetLinks();
      return;
    }
    this.faults++;
    this.inject(this.random.pick(this.kinds));
  }

  private inject(kind: NemesisKind): void {
    const sim = this.sim;
    const ids = sim.nodeIds;
    switch (kind) {
      case 'partition': {
        sim.heal();
        const shuffled = this.random.shuffle([...ids]);
        const groupCount = this.random.int(2, Math.min(3, ids.length));
        const groups: NodeId[][] = Array.from({ length: groupCount }, () => []);
        shuffled.forEach((id, i) => (groups[i < groupCount ? i : this.random.int(0, groupCount - 1)] as NodeId[]).push(id));
        sim.partition(groups);
        break;
      }
      case 'one-way': {
        for (let n = this.random.int(1, 3); n > 0; n--) {
          const [from, to] = this.random.shuffle([...ids]) as [NodeId, NodeId];
          sim.partitionOneWay(from, to);
        }
        break;
      }
      case 'isolate-leader': {
        const leader = sim.currentLeader();
        sim.heal();
        if (leader !== 0) sim.isolate(leader);
        break;
      }
      case 'link': {
        const [a, b] = this.random.shuffle([...ids]) as [NodeId, NodeId];
        sim.setLink(a, b, {
          delayMs: this.random.int(0, 50),
          jitterMs: this.random.int(0, 50),
          lossRate: this.random.pick([0, 0.05, 0.2, 0.5]),
          duplicateRate: this.random.pick([0, 0.1, 0.3]),
          reorder: this.random.chance(0.5),
        });
        break;
      }
      case 'crash':
        this.crashAndRestart([this.random.pick(ids)]);
        break;
      case 'crash-leader': {
        const leader = sim.currentLeader();
        if (leader !== 0) this.crashAndRestart([leader]);
        break;
      }
      case 'crash-all':
        this.crashAndRestart(ids);
        break;
      case 'pause': {
        const id = this.random.pick(ids);
        sim.pause(id);
        sim.queue.after(this.downtimeMs(), () => sim.resume(id));
        break;
      }
    }
  }

  private downtimeMs(): number {
    return this.random.int(this.options.downtimeMinMs, this.options.downtimeMaxMs);
  }

  private crashAndRestart(victims: readonly NodeId[]): void {
    for (const id of victims) this.sim.crash(id);
    const downtimeMs = this.downtimeMs();
    this.sim.queue.after(downtimeMs, () => {
      for (const id of victims) this.sim.restart(id);
    });
  }
}
