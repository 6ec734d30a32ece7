/**
 * N node drivers in one thread on virtual time. The network delivers messages as queue events
 * whose times come from LinkRules (seeded), each node keeps a MemoryStorage that survives
 * crashes, and everything volatile (driver, core, state machine, in-flight messages to the node)
 * is dropped on a crash. The same fault verbs as the emulator: partition, one-way, isolate,
 * heal, link settings, crash, restart, pause, resume.
 */
import { MESSAGE_TYPE_CODES, type Message, type NodeId, type Role } from '../core/types.js';
import { DEFAULT_RAFT_TUNING } from '../core/config.js';
import { Prng } from '../lib/prng.js';
import { SILENT_LOGGER } from '../ports/logger.js';
import type { StateMachine } from '../ports/state_machine.js';
import type { Storage } from '../ports/storage.js';
import type { LinkSettings, Transport } from '../ports/transport.js';
import { NodeDriver } from '../node/node_driver.js';
import type { NodeEvent, ProposalOutcome, ReadOutcome } from '../node/types.js';
import { MemoryStorage } from '../storage/memory_storage.js';
import { LinkRules } from '../transport/link_rules.js';
import { SafetyCheckers } from './checkers/safety_checkers.js';
import { EventQueue } from './event_queue.js';
import { DeferredSyncStorage } from './deferred_sync_storage.js';
import { ObservedStorage } from './observed_storage.js';
import { RegisterMachine } from './register_machine.js';
import type { SimulationOptions } from './simulation_options.js';
import { TraceHash } from './trace_hash.js';

/** One-way latency of a client's request or reply, in virtual ms. */
const CLIENT_LATENCY_MS = 1;
/** Ticks before the driver fails a pending request with a timeout. */
const REQUEST_TIMEOUT_TICKS = 50;
/** Deliveries held for a paused node; more are dropped, like a full socket buffer. */
const HELD_DELIVERIES_MAX = 10_000;

/** Ticks a snapshot chunk may go unanswered before it is sent again. */
const SNAPSHOT_CHUNK_TIMEOUT_TICKS = 10;

export interface SimNode {
  readonly id: NodeId;
  storage: MemoryStorage;
  /** The page cache in front of `storage` for the running incarnation (null: syncs are immediate). */
  disk: DeferredSyncStorage | null;
  driver: NodeDriver | null;
  /** Bumped on every crash and restart: events of an older incarnation are void. */
  incarnation: number;
  paused: boolean;
  held: Array<() => void>;
  handler: ((message: Message) => void) | null;
  role: Role;
  term: number;
}

/** Optional hooks for runs that need another state machine (the chaos simulation uses the real KV one). */
export interface SimulatorHooks {
  /** A fresh state machine for every node incarnation; default: the register machine. */
  stateMachine?: () => StateMachine;
}

export interface SimStats {
  messagesSent: number;
  messagesDelivered: number;
  crashes: number;
  restarts: number;
  pauses: number;
  snapshots: number;
  snapshotsInstalled: number;
}

export class Simulator {
  readonly options: SimulationOptions;
  readonly queue = new EventQueue();
  readonly random: Prng;
  readonly rules: LinkRules;
  readonly checkers: SafetyCheckers;
  readonly trace = new TraceHash();
  readonly nodes = new Map<NodeId, SimNode>();
  readonly nodeIds: NodeId[];
  readonly stats: SimStats = { messagesSent: 0, messagesDelivered: 0, crashes: 0, restarts: 0, pauses: 0, snapshots: 0, snapshotsInstalled: 0 };
  private readonly nodeRandom: Prng;
  private readonly syncRandom: Prng;
  private readonly hooks: SimulatorHooks;

  constructor(options: SimulationOptions, hooks: SimulatorHooks = {}) {
    this.options = options;
    this.hooks = hooks;
    const root = new Prng(options.seed);
    this.random = root.fork();
    this.nodeRandom = root.fork();
    this.nodeIds = Array.from({ length: options.nodes }, (_, i) => i + 1);
    this.rules = new LinkRules(this.nodeIds, root.fork());
    this.syncRandom = root.fork();
    this.checkers = new SafetyCheckers(() => this.queue.nowMs);
    for (const id of this.nodeIds) {
      this.nodes.set(id, { id, storage: new MemoryStorage(), disk: null, driver: null, incarnation: 0, paused: false, held: [], handler: null, role: 'follower', term: 0 });
    }
  }

  start(): void {
    for (const id of this.nodeIds) this.startNode(this.node(id));
  }

  // --- fault verbs ---------------------------------------------------------------------------

  partition(groups: NodeId[][]): void {
    this.rules.partition(groups);
  }

  partitionOneWay(from: NodeId, to: NodeId): void {
    this.rules.partitionOneWay(from, to);
  }

  isolate(node: NodeId): void {
    this.rules.isolate(node);
  }

  heal(): void {
    this.rules.heal();
  }

  setLink(a: NodeId, b: NodeId, settings: Partial<LinkSettings>): void {
    this.rules.setLink(a, b, settings);
  }

  resetLinks(): void {
    this.rules.resetLinks();
  }

  /** Drops the driver and everything volatile; the storage (the "disk") stays. */
  crash(id: NodeId): void {
    const node = this.node(id);
    if (node.driver === null) return;
    node.driver = null;
    node.handler = null;
    node.incarnation++;
    node.paused = false;
    node.held = [];
    node.role = 'follower';
    node.disk?.crash();
    node.disk = null;
    // A fresh handle over the same disk; the old one is fenced so a dead node cannot write.
    node.storage = node.storage.reopen();
    this.stats.crashes++;
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.driver !== null) return;
    this.stats.restarts++;
    this.startNode(node);
  }

  pause(id: NodeId): void {
    const node = this.node(id);
    if (node.driver === null || node.paused) return;
    node.paused = true;
    this.stats.pauses++;
  }

  resume(id: NodeId): void {
    const node = this.node(id);
    if (!node.paused) return;
    node.paused = false;
    const held = node.held;
    node.held = [];
    for (const deliver of held) deliver();
    node.driver?.flush();
  }

  isUp(id: NodeId): boolean {
    const node = this.node(id);
    return node.driver !== null && !node.paused;
  }

  /** The live leader with the highest term, or 0 when none is known. */
  currentLeader(): NodeId {
    let leader = 0;
    let term = -1;
    for (const node of this.nodes.values()) {
      if (node.driver !== null && node.role === 'leader' && node.term > term) {
        leader = node.id;
        term = node.term;
      }
    }
    return leader;
  }

  // --- client requests -----------------------------------------------------------------------

  submitWrite(target: NodeId, command: Uint8Array, reply: (outcome: ProposalOutcome) => void): void {
    this.toNode(target, (driver) => driver.propose(command, (outcome) => this.queue.after(CLIENT_LATENCY_MS, () => reply(outcome))));
  }

  /**
   * A linearizable read. `unsafeReadsFromFollowers` is a test hook that breaks linearizability: a
   * node that is not the leader answers from its own state (what the emulator's option of that name does).
   */
  submitRead(target: NodeId, query: Uint8Array, reply: (outcome: ReadOutcome) => void, options: { unsafeReadsFromFollowers?: boolean } = {}): void {
    this.toNode(target, (driver) => {
      const local = options.unsafeReadsFromFollowers === true && driver.status().role !== 'leader';
      driver.read(query, local ? 'stale' : 'linearizable', (outcome) => this.queue.after(CLIENT_LATENCY_MS, () => reply(outcome)));
    });
  }

  /** A request reaches a node after the client latency; a down node never answers. */
  private toNode(target: NodeId, handle: (driver: NodeDriver) => void): void {
    this.queue.after(CLIENT_LATENCY_MS, () => {
      const node = this.node(target);
      const driver = node.driver;
      if (driver === null) return;
      if (node.paused) this.hold(node, () => node.driver === driver && handle(driver));
      else handle(driver);
    });
  }

  // --- nodes ---------------------------------------------------------------------------------

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new RangeError(`no node ${id} (nodes are 1..${this.nodeIds.length})`);
    return node;
  }

  private startNode(node: SimNode): void {
    node.incarnation++;
    const incarnation = node.incarnation;
    const options = this.options;
    let closed = false;
    const transport: Transport = {
      send: (messages) => {
        if (!closed) for (const message of messages) this.send(message);
      },
      onMessage: (handler) => {
        node.handler = handler;
      },
      close: () => {
        closed = true;
      },
    };
    // One closure per incarnation, reused by every flush request (they are frequent).
    const flushNow = (): void => {
      if (node.driver === driver && !node.paused) driver.flush();
    };
    const driver: NodeDriver = new NodeDriver({
      raft: {
        electionTimeoutTicks: options.electionTimeoutTicks,
        heartbeatIntervalTicks: options.heartbeatIntervalTicks,
        preVote: options.preVote,
        checkQuorum: options.checkQuorum,
        readLease: options.readLease && options.checkQuorum,
        inflightAppendsMax: 64,
        appendBytesMax: options.appendBytesMax,
        inflightBytesMax: Math.max(16 << 20, options.appendBytesMax),
        uncommittedEntriesMax: 10_000,
        uncommittedBytesMax: DEFAULT_RAFT_TUNING.uncommittedBytesMax,
        snapshotChunkBytesMax: options.snapshotChunkBytesMax,
        snapshotChunkTimeoutTicks: SNAPSHOT_CHUNK_TIMEOUT_TICKS,
        snapshotBytesMax: 1 << 30,
        appendGraceBytesPerTick: 0, // simulated disks take no time per byte
        unsafe: options.unsafe,
      },
      ...(options.snapshotEntriesThreshold > 0
        ? {
            snapshotPolicy: {
              entriesThreshold: options.snapshotEntriesThreshold,
              bytesThreshold: Number.MAX_SAFE_INTEGER,
              retainEntries: options.snapshotRetainEntries,
            },
          }
        : {}),
      id: node.id,
      seed: this.nodeRandom.nextUint32(),
      initialMembership: { voters: [...this.nodeIds], learners: [] },
      storage: this.storageFor(node, incarnation),
      transport,
      stateMachine: this.hooks.stateMachine?.() ?? new RegisterMachine(),
      logger: SILENT_LOGGER,
      requestFlush: () => this.queue.after(0, flushNow),
      requestTimeoutTicks: REQUEST_TIMEOUT_TICKS,
      // Virtual time: it runs on while a node is paused, like a real monotonic clock.
      leaseClock: { nowMs: () => this.queue.nowMs, tickMs: options.tickMs },
      onEvent: (event) => this.observe(node, event),
    });
    node.driver = driver;
    const status = driver.status();
    node.role = status.role;
    node.term = status.term;
    this.scheduleTick(node, incarnation, this.queue.nowMs + this.random.next() * options.tickMs);
  }

  /** What the node's driver sees of its disk: observed by the checkers, synced in the background. */
  private storageFor(node: SimNode, incarnation: number): Storage {
    const observed = new ObservedStorage(node.storage, node.id, this.checkers);
    const syncDelayMaxMs = this.options.syncDelayMaxMs;
    if (syncDelayMaxMs === 0) return observed;
    node.disk = new DeferredSyncStorage({
      inner: observed,
      queue: this.queue,
      random: this.syncRandom,
      syncDelayMaxMs,
      // A paused process runs nothing: the sync lands on disk, its completion waits for resume.
      deliver: (completion) => {
        if (node.incarnation !== incarnation) return;
        if (node.paused) node.held.push(completion);
        else completion();
      },
    });
    return node.disk;
  }

  private scheduleTick(node: SimNode, incarnation: number, atMs: number): void {
    this.queue.at(atMs, () => {
      if (node.incarnation !== incarnation || node.driver === null) return;
      if (!node.paused) node.driver.tick();
      this.scheduleTick(node, incarnation, atMs + this.options.tickMs);
    });
  }

  private observe(node: SimNode, event: NodeEvent): void {
    if (event.type === 'leader-changed') {
      node.role = event.role;
      node.term = event.term;
      this.trace.mix(node.id * 16 + (event.role === 'leader' ? 1 : 0));
      this.trace.mix(event.term);
      this.checkers.onSoftState(node.id, event.role, event.term);
    } else if (event.type === 'applied') {
      this.trace.mix(node.id);
      this.trace.mix(event.index);
      this.checkers.onApplied(node.id, event.entries);
    } else {
      this.stats.snapshots += event.type === 'snapshot-taken' ? 1 : 0;
      this.stats.snapshotsInstalled += event.type === 'snapshot-installed' ? 1 : 0;
      this.trace.mix(node.id * 16 + (event.type === 'snapshot-taken' ? 2 : 3));
      this.trace.mix(event.index);
    }
  }

  private send(message: Message): void {
    this.checkers.onSend(message);
    const target = this.nodes.get(message.to);
    if (target === undefined || target.driver === null) return;
    this.stats.messagesSent++;
    const incarnation = target.incarnation;
    const { networkDelayMs, networkJitterMs } = this.options;
    for (const timeMs of this.rules.route(message.from, message.to, this.queue.nowMs)) {
      const extraMs = networkJitterMs > 0 ? this.random.next() * networkJitterMs : 0;
      this.queue.at(timeMs + networkDelayMs + extraMs, () => this.deliver(target, incarnation, message));
    }
  }

  private deliver(target: SimNode, incarnation: number, message: Message): void {
    // Messages in flight to a node that crashed since they were sent are lost with it.
    if (target.incarnation !== incarnation || target.handler === null) return;
    if (target.paused) {
      this.hold(target, () => target.incarnation === incarnation && this.deliver(target, incarnation, message));
      return;
    }
    this.stats.messagesDelivered++;
    this.trace.mix(this.queue.nowMs);
    this.trace.mix(message.from * 256 + message.to * 8 + MESSAGE_TYPE_CODES[message.type]);
    target.handler(message);
  }

  private hold(node: SimNode, deliver: () => void): void {
    if (node.held.length < HELD_DELIVERIES_MAX) node.held.push(deliver);
  }
}
