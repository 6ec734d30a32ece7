import { RaftNode, type RestoredState } from '../../src/core/raft_node.js';
import { DEFAULT_RAFT_TUNING, type RaftConfig } from '../../src/core/config.js';
import type { Entry, HardState, Message, NodeId, ReadState } from '../../src/core/types.js';
import { Prng } from '../../src/lib/prng.js';

/** One node's "disk" in these tests: what its Readys asked to persist. */
export interface TestDisk {
  hardState: HardState;
  entries: Entry[];
}

/**
 * A synchronous test network for the pure core: messages are queued and delivered in order;
 * `drop` filters let a test cut links. Every Ready is processed in contract order.
 */
export class TestCluster {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly disks = new Map<NodeId, TestDisk>();
  readonly applied = new Map<NodeId, Entry[]>();
  readonly reads = new Map<NodeId, ReadState[]>();
  readonly droppedReads = new Map<NodeId, number[]>();
  queue: Message[] = [];
  cut = new Set<string>();
  /** Drops every message for which this returns true (besides cut links). */
  dropIf: ((m: Message) => boolean) | null = null;
  private prng: Prng;

  readonly ids: NodeId[];
  readonly overrides: Partial<RaftConfig>;

  constructor(ids: NodeId[], overrides: Partial<RaftConfig> = {}, seed = 1) {
    this.ids = ids;
    this.overrides = overrides;
    this.prng = new Prng(seed);
    for (const id of ids) this.start(id, { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [], membership: { voters: ids, learners: [] } });
  }

  start(id: NodeId, restored: RestoredState): RaftNode {
    const node = new RaftNode({ ...DEFAULT_RAFT_TUNING, id, random: this.prng.fork(), ...this.overrides }, restored);
    // As if it had run for an election timeout already: tests elect at once. The vote lease a
    // (re)started node keeps for its first election timeout has a test of its own.
    node.ticksSinceStart = node.config.electionTimeoutTicks;
    this.nodes.set(id, node);
    this.disks.set(id, { hardState: { ...restored.hardState }, entries: restored.entries.slice() });
    this.applied.set(id, []);
    this.reads.set(id, []);
    this.droppedReads.set(id, []);
    return node;
  }

  node(id: NodeId): RaftNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  /** Restarts a node from its disk (volatile state gone). */
  restart(id: NodeId): RaftNode {
    const disk = this.disks.get(id)!;
    return this.start(id, { hardState: { ...disk.hardState }, snapshot: null, entries: disk.entries.slice(), membership: { voters: this.ids, learners: [] } });
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) if (other !== id) this.cut.add(`${id}>${other}`).add(`${other}>${id}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Drains every node's Ready and delivers messages until the cluster is quiet. */
  settle(maxSteps = 100_000): void {
    for (let step = 0; step < maxSteps; step++) {
      let busy = false;
      for (const [id, node] of this.nodes) {
        while (node.hasReady()) {
          busy = true;
          const rd = node.ready();
          const disk = this.disks.get(id)!;
          if (rd.hardState) disk.hardState = rd.hardState;
          if (rd.entries.length > 0) {
            const first = rd.entries[0]!.index;
            disk.entries = disk.entries.filter((e) => e.index < first).concat(rd.entries);
          }
          for (const m of [...rd.messagesBeforePersist, ...rd.messages]) if (!this.cut.has(`${m.from}>${m.to}`)) this.queue.push(m);
          this.applied.get(id)!.push(...rd.committedEntries);
          this.reads.get(id)!.push(...rd.readStates);
          this.droppedReads.get(id)!.push(...rd.droppedReads);
          node.advance(rd);
        }
      }
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        if (this.cut.has(`${m.from}>${m.to}`) || this.dropIf?.(m)) continue;
        this.nodes.get(m.to)?.step(m);
        busy = true;
      }
      if (!busy) return;
    }
    throw new Error('cluster did not settle');
  }

  /** Ticks every node until `id` has been elected (it campaigns first). */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.settle();
    if (this.node(id).role !== 'leader') throw new Error(`node ${id} did not become leader (role ${this.node(id).role})`);
  }

  /** As if an election timeout passed without word from a leader (no node campaigns by itself). */
  expireLeaderLeases(): void {
    for (const node of this.nodes.values()) node.electionElapsedTicks = node.config.electionTimeoutTicks;
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const node of this.nodes.values()) node.tick();
      this.settle();
    }
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.role === 'leader').map((n) => n.id);
  }

  propose(id: NodeId, text: string): ReturnType<RaftNode['propose']> {
    const result = this.node(id).propose([new TextEncoder().encode(text)]);
    this.settle();
    return result;
  }

  appliedTexts(id: NodeId): string[] {
    return this.applied.get(id)!.filter((e) => e.kind === 'normal').map((e) => new TextDecoder().decode(e.data));
  }
}

export function entries(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: i + 1, kind: 'normal', data: new TextEncoder().encode(`e${i + 1}`) }));
}
