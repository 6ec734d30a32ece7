/**
 * The supervisor: starts one worker per node, wires their Raft links (a MessageChannel mesh or
 * TCP addresses), pushes fault rules, answers status and emits events. It is never on the data
 * path: clients talk to each node's own port and Raft messages go worker to worker.
 */
import { rm } from 'node:fs/promises';
import { MessageChannel, type MessagePort, type TransferListItem } from 'node:worker_threads';
import { transfer } from 'comlink';
import { KvClient, type KvClientOptions } from '../client/kv_client.js';
import type { NodeId } from '../core/types.js';
import { Prng } from '../lib/prng.js';
import { createLogger, createLogSink } from '../logging/logger.js';
import type { Logger } from '../ports/logger.js';
import { HEALTHY_LINK, type LinkSettings } from '../ports/transport.js';
import type { ChannelPeersConfig, NodeConfig, NodeEndpoints, TcpPeersConfig } from '../runtime/node_config.js';
import { LinkRules } from '../transport/link_rules.js';
import { nodeDirFor } from './cluster_data_dir.js';
import { ClusterError } from './cluster_error.js';
import { ClusterEvents } from './cluster_events.js';
import type { ClusterSettings } from './cluster_options.js';
import { downStatus, leaderOf, upStatus } from './cluster_status.js';
import type { Cluster, ClusterEventMap, ClusterEventName, ClusterNodeStatus, LinkControl } from './cluster_types.js';
import { fullMesh, pairsForRestart } from './channel_mesh.js';
import { NodeSlot } from './node_slot.js';
import { checkPortsFree, nodePortsInBlock, portsPerNode, releasePortBlock, reservePortBlock, type PortBlock } from './port_block.js';
import { WorkerHandle } from './worker_handle.js';
import type { WorkerEvent } from './worker_protocol.js';

/** How often waitFor re-reads status when no event arrives first. */
export const WAIT_POLL_INTERVAL_MS = 25;
export const WAIT_POLL_GAP_MIN_MS = 10;
export const LEADER_WAIT_DEFAULT_MS = 10_000;
export const STOP_TIMEOUT_MS = 3_000;
/** A snapshot of a large state is written in many small steps: allow it time. */
export const SNAPSHOT_TIMEOUT_MS = 120_000;

export class ClusterSupervisor implements Cluster {
  readonly nodeIds: NodeId[];
  readonly seed: number;
  readonly dataDir: string;
  private readonly settings: ClusterSettings;
  private readonly ownsDataDir: boolean;
  private readonly slots = new Map<NodeId, NodeSlot>();
  private readonly rules: LinkRules;
  private readonly events: ClusterEvents;
  private readonly logger: Logger;
  private readonly clients = new Set<KvClient>();
  private readonly spawning = new Set<Promise<void>>();
  private block: PortBlock | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;

  constructor(settings: ClusterSettings, dataDir: string, ownsDataDir: boolean) {
    this.settings = settings;
    this.seed = settings.seed;
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.nodeIds = Array.from({ length: settings.nodes }, (_, i) => i + 1);
    for (const id of this.nodeIds) this.slots.set(id, new NodeSlot(id, settings.host));
    this.rules = new LinkRules(this.nodeIds, new Prng(settings.seed));
    this.logger = createLogger({ level: settings.logLevel, bindings: { component: 'supervisor' } });
    this.events = new ClusterEvents((error, event) =>
      this.logger.error({ event, error: String(error) }, 'a cluster event listener threw'),
    );
  }

  /** @internal: used by startCluster only. */
  async startAll(): Promise<void> {
    this.logger.info({ nodes: this.settings.nodes, transport: this.settings.transport, seed: this.seed, dataDir: this.dataDir }, 'starting cluster');
    await this.reservePorts();
    if (this.settings.transport === 'channel') {
      const mesh = fullMesh(this.nodeIds);
      await Promise.all(this.nodeIds.map((id) => {
        const peerPorts = mesh.get(id) ?? [];
        return this.spawn(id, { kind: 'channel', peerPorts }, peerPorts.map((p) => p.port));
      }));
    } else {
      // Every node binds its peer port first (0 without a port block: any free one); then everyone learns the map.
      await Promise.all(this.nodeIds.map((id) => this.spawn(id, { kind: 'tcp', listenPort: this.slot(id).ports.peer, peers: [] }, [])));
      await Promise.all(this.upSlots().map((slot) =>
        slot.call('setPeerAddresses', (c) => c.setPeerAddresses(this.peerAddresses(slot.id))),
      ));
    }
    // Client ports are bound now; every node names the leader's in its not-leader replies.
    await Promise.all(this.upSlots().map((slot) =>
      slot.call('setClientAddresses', (c) => c.setClientAddresses(this.clientAddresses(slot.id))),
    ));
  }

  async status(): Promise<ClusterNodeStatus[]> {
    this.checkRunning();
    return Promise.all(this.nodeIds.map((id) => this.nodeStatus(this.slot(id))));
  }

  async leader(): Promise<NodeId | null> {
    return leaderOf(await this.status());
  }

  async waitForLeader(options: { timeoutMs?: number; exclude?: NodeId[] } = {}): Promise<NodeId> {
    const exclude = new Set(options.exclude ?? []);
    const timeoutMs = options.timeoutMs ?? LEADER_WAIT_DEFAULT_MS;
    const statuses = await this.waitFor((s) => {
      const leader = leaderOf(s);
      return leader !== null && !exclude.has(leader);
    }, { timeoutMs, what: exclude.size > 0 ? `a leader other than ${[...exclude].join(', ')}` : 'a leader' });
    const leader = leaderOf(statuses);
    if (leader === null) throw new ClusterError('no leader (unexpected after waiting for one)');
    return leader;
  }

  /** Re-reads status on every cluster event and at least every WAIT_POLL_INTERVAL_MS until the predicate holds. */
  async waitFor(
    predicate: (statuses: ClusterNodeStatus[]) => boolean,
    options: { timeoutMs: number; what?: string },
  ): Promise<ClusterNodeStatus[]> {
    this.checkRunning();
    if (!(options?.timeoutMs > 0)) throw new ClusterError('waitFor needs { timeoutMs } > 0');
    const deadline = performance.now() + options.timeoutMs;
    for (;;) {
      const next = this.events.nextEvent();
      const polledAtMs = performance.now();
      const statuses = await this.status();
      if (predicate(statuses)) {
        next.cancel();
        return statuses;
      }
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) {
        next.cancel();
        throw new ClusterError(`timed out after ${options.timeoutMs} ms waiting for ${options.what ?? 'the condition'}; last status: ${summarize(statuses)}`);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([next.promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(leftMs, WAIT_POLL_INTERVAL_MS))))]);
      clearTimeout(timer);
      next.cancel();
      // Events can come in bursts (every node applying): poll at most once per WAIT_POLL_GAP_MIN_MS.
      const gapMs = WAIT_POLL_GAP_MIN_MS - (performance.now() - polledAtMs);
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      this.checkRunning();
    }
  }

  on<E extends ClusterEventName>(event: E, fn: (event: ClusterEventMap[E]) => void): () => void {
    const known: ClusterEventName[] = ['leader-changed', 'node-crashed', 'node-restarted', 'applied', 'snapshot-taken', 'snapshot-installed'];
    if (!known.includes(event)) throw new ClusterError(`unknown event '${String(event)}'; known: ${known.join(', ')}`);
    return this.events.on(event, fn);
  }

  async crash(node: NodeId): Promise<void> {
    const slot = this.slotUp(node, 'crash');
    const handle = slot.detach();
    await handle.terminate();
    // Asked for (the REPL, a test, a nemesis): worth a record, not a warning.
    this.logger.info({ node }, 'node crashed (worker terminated)');
    this.events.emit('node-crashed', { node });
  }

  async restart(node: NodeId): Promise<void> {
    this.checkRunning();
    const slot = this.slot(node);
    const refuseIfUp = (): void => {
      if (slot.handle !== null || slot.starting) throw new ClusterError(`node ${node} is already up; crash it before restarting it`);
    };
    refuseIfUp();
    await checkPortsFree(node, slot.ports, this.settings.host);
    // Checked again after the wait; from here on to the peer pairs below nothing waits, so that
    // concurrent restarts see each other as starting (see pairsForRestart).
    refuseIfUp();
    slot.starting = true;
    try {
      if (this.settings.transport === 'channel') {
        const { peerPorts, deliveries } = pairsForRestart(slot, this.slots.values());
        await Promise.all(deliveries);
        await this.spawn(node, { kind: 'channel', peerPorts }, peerPorts.map((p) => p.port));
        // Nodes that started alongside this one left ports for it; hand them over now it is up.
        const pending = slot.pendingPeerPorts.splice(0);
        await Promise.all(pending.map(({ peer, port }) => slot.call('replacePeerPort', (c) => c.replacePeerPort(peer, transfer(port, [port])))));
      } else {
        await this.spawn(node, { kind: 'tcp', listenPort: slot.ports.peer, peers: this.peerAddresses(node) }, []);
      }
    } finally {
      slot.starting = false;
      for (const { port } of slot.pendingPeerPorts.splice(0)) port.close();
    }
    this.logger.info({ node }, 'node restarted from disk');
    this.events.emit('node-restarted', { node });
  }

  async partition(groups: NodeId[][]): Promise<void> {
    if (!Array.isArray(groups) || groups.some((g) => !Array.isArray(g))) throw new ClusterError('partition takes groups of node ids, e.g. [[1, 2], [3, 4, 5]]');
    for (const group of groups) for (const id of group) this.slot(id);
    return this.changeRules((rules) => rules.partition(groups));
  }

  async partitionOneWay(from: NodeId, to: NodeId): Promise<void> {
    this.checkPair(from, to);
    return this.changeRules((rules) => rules.partitionOneWay(from, to));
  }

  async isolate(node: NodeId): Promise<void> {
    this.slot(node);
    return this.changeRules((rules) => rules.isolate(node));
  }

  async heal(): Promise<void> {
    return this.changeRules((rules) => rules.heal());
  }

  link(a: NodeId, b: NodeId): LinkControl {
    this.checkPair(a, b);
    return {
      set: (settings: Partial<LinkSettings>) => this.changeRules((rules) => rules.setLink(a, b, settings)),
      reset: () => this.changeRules((rules) => rules.setLink(a, b, HEALTHY_LINK)),
    };
  }

  async pause(node: NodeId): Promise<void> {
    const slot = this.slotUp(node, 'pause');
    if (slot.paused) throw new ClusterError(`node ${node} is already paused`);
    await slot.call('pause', (c) => c.pause());
    slot.paused = true;
  }

  async resume(node: NodeId): Promise<void> {
    const slot = this.slotUp(node, 'resume');
    if (!slot.paused) throw new ClusterError(`node ${node} is not paused`);
    await slot.call('resume', (c) => c.resume());
    slot.paused = false;
  }

  async snapshot(node?: NodeId): Promise<number> {
    const target = node ?? (await this.leader());
    if (target === null) throw new ClusterError('no leader to snapshot; name a node');
    const slot = this.slotUp(target, 'snapshot');
    try {
      return await slot.call('snapshot', (c) => c.snapshot(), SNAPSHOT_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof ClusterError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new ClusterError(`node ${target} could not snapshot: ${message}`);
    }
  }

  endpoints(node: NodeId): NodeEndpoints {
    return this.slot(node).endpoints;
  }

  client(options: Omit<KvClientOptions, 'nodes'> = {}): KvClient {
    this.checkRunning();
    const client = new KvClient({ ...options, nodes: this.nodeIds.map((id) => this.slot(id).endpoints.redis) });
    this.clients.add(client);
    const close = client.close.bind(client);
    client.close = async () => {
      this.clients.delete(client);
      await close();
    };
    return client;
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.clients].map((client) => client.close().catch(() => {})));
    await Promise.all([...this.slots.values()].map(async (slot) => {
      const handle = slot.handle;
      if (handle === null) return;
      slot.detach();
      await handle.stop(STOP_TIMEOUT_MS);
    }));
    await Promise.allSettled([...this.spawning]); // each stops its worker, seeing the cluster stopped
    this.events.clear();
    if (this.block !== null) releasePortBlock(this.block.base, this.block.count);
    if (!this.settings.keepData) {
      if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
      else await Promise.all(this.nodeIds.map((id) => rm(this.nodeDir(id), { recursive: true, force: true })));
    }
    this.logger.info({ keptData: this.settings.keepData ? this.dataDir : null }, 'cluster stopped');
  }

  /** @internal: this cluster's port block, for startCluster's retry (null: ports picked by the kernel). */
  get portBlock(): PortBlock | null {
    return this.block;
  }

  /** @internal */
  logRetry(takenPort: number, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn({ port: takenPort, reason }, 'another program took a port of the cluster\'s block while it started; starting again with another block');
  }

  /** Gives every node its ports from one block below the ephemeral range (see port_block.ts). */
  private async reservePorts(): Promise<void> {
    const { transport, host } = this.settings;
    const count = this.settings.nodes * portsPerNode(transport);
    const base = await reservePortBlock(count, host);
    if (base === null) {
      this.logger.warn({ ports: count, host }, 'no free port block below the ephemeral range: the kernel picks the ports, and a restart can find its port taken');
      return;
    }
    this.block = { base, count };
    for (const slot of this.slots.values()) slot.ports = nodePortsInBlock(base, slot.id, transport);
  }

  /** Starts a node's worker; stop() waits for every start still in progress, so no worker outlives the cluster. */
  private spawn(id: NodeId, transport: ChannelPeersConfig | TcpPeersConfig, transferList: MessagePort[]): Promise<void> {
    const spawning = this.spawnWorker(id, transport, transferList);
    this.spawning.add(spawning);
    const forget = (): void => {
      this.spawning.delete(spawning);
    };
    spawning.then(forget, forget);
    return spawning;
  }

  private async spawnWorker(id: NodeId, transport: ChannelPeersConfig | TcpPeersConfig, transferList: MessagePort[]): Promise<void> {
    const slot = this.slot(id);
    const config: NodeConfig = {
      id,
      members: this.nodeIds,
      seed: (this.seed * 31 + id * 1_000_003 + slot.incarnation * 7919) >>> 0,
      dataDir: this.nodeDir(id),
      fsync: this.settings.fsync,
      timing: this.settings.timing,
      logLevel: this.settings.logLevel,
      host: this.settings.host,
      redisPort: slot.ports.redis,
      httpPort: slot.ports.http,
      clientAddresses: this.clientAddresses(id),
      transport,
      linkRules: this.rules.state(),
      // Only a restart knows for sure that the previous owner of the files (a worker we terminated) is gone.
      breakStaleLock: slot.incarnation > 0,
      dataMustExist: slot.incarnation > 0,
      snapshotPolicy: this.settings.snapshotPolicy,
      readLease: this.settings.readLease,
      ...(this.settings.unsafeReadsFromFollowers ? { unsafeReadsFromFollowers: true } : {}),
    };
    const handle = await WorkerHandle.spawn({
      config,
      transferList: transferList as TransferListItem[],
      logSink: this.settings.logLevel === 'silent' ? null : createLogSink(),
      onEvent: (event) => this.onWorkerEvent(slot, event),
      onExit: (expected, reason) => this.onWorkerExit(slot, expected, reason),
    });
    if (this.stopped) {
      await handle.stop(STOP_TIMEOUT_MS); // closes its storage: no stale lock is left in the data dir
      throw new ClusterError('the cluster was stopped while a node was starting');
    }
    slot.attach(handle);
  }

  private onWorkerEvent(slot: NodeSlot, event: WorkerEvent): void {
    if (event.type === 'soft-state') {
      if (slot.noteLeader(event.leader, event.term)) this.events.emit('leader-changed', { node: slot.id, leader: event.leader, term: event.term });
    } else if (event.type === 'applied') {
      this.events.emit('applied', { node: slot.id, index: event.index });
    } else if (event.type === 'snapshot-taken') {
      this.events.emit('snapshot-taken', { node: slot.id, index: event.index, bytes: event.bytes });
    } else if (event.type === 'snapshot-installed') {
      this.events.emit('snapshot-installed', { node: slot.id, index: event.index });
    } else if (event.type === 'fatal') {
      this.logger.error({ node: slot.id, reason: event.message }, 'node stopped on a fatal error');
    }
  }

  private onWorkerExit(slot: NodeSlot, expected: boolean, reason: string): void {
    if (expected || this.stopped || slot.handle === null) return;
    slot.detach();
    this.logger.error({ node: slot.id, reason }, 'node worker died');
    this.events.emit('node-crashed', { node: slot.id });
  }

  private async nodeStatus(slot: NodeSlot): Promise<ClusterNodeStatus> {
    if (slot.handle !== null) {
      try {
        const status = upStatus(await slot.call('status', (c) => c.status()), slot.endpoints);
        slot.last = status;
        return status;
      } catch (error) {
        if (slot.handle !== null && slot.handle.alive) throw error;
      }
    }
    return downStatus(slot.id, slot.last, slot.endpoints);
  }

  private async changeRules(change: (rules: LinkRules) => void): Promise<void> {
    this.checkRunning();
    try {
      change(this.rules);
    } catch (error) {
      throw new ClusterError(error instanceof Error ? error.message : String(error));
    }
    const state = this.rules.state();
    await Promise.all(this.upSlots().map((slot) => slot.call('setLinkRules', (c) => c.setLinkRules(state))));
  }

  private peerAddresses(except: NodeId): TcpPeersConfig['peers'] {
    return [...this.slots.values()]
      .filter((slot) => slot.id !== except && slot.ports.peer > 0)
      .map((slot) => ({ peer: slot.id, host: slot.connectHost, port: slot.ports.peer }));
  }

  private clientAddresses(except: NodeId): Array<{ peer: NodeId; address: string }> {
    return [...this.slots.values()]
      .filter((slot) => slot.id !== except && slot.ports.redis > 0)
      .map((slot) => ({ peer: slot.id, address: `${slot.connectHost}:${slot.ports.redis}` }));
  }

  private nodeDir(id: NodeId): string {
    return nodeDirFor(this.dataDir, id);
  }

  private upSlots(): NodeSlot[] {
    return [...this.slots.values()].filter((slot) => slot.handle !== null);
  }

  private checkRunning(): void {
    if (this.stopped) throw new ClusterError('the cluster is stopped');
  }

  private slot(node: NodeId): NodeSlot {
    this.checkRunning();
    const slot = this.slots.get(node);
    if (slot === undefined) throw new ClusterError(`unknown node ${String(node)}; nodes are ${this.nodeIds.join(', ')}`);
    return slot;
  }

  private slotUp(node: NodeId, verb: string): NodeSlot {
    const slot = this.slot(node);
    if (slot.handle === null) throw new ClusterError(`cannot ${verb} node ${node}: it is down`);
    return slot;
  }

  private checkPair(a: NodeId, b: NodeId): void {
    this.slot(a);
    this.slot(b);
    if (a === b) throw new ClusterError(`a link joins two different nodes, got ${a} and ${b}`);
  }
}

function summarize(statuses: readonly ClusterNodeStatus[]): string {
  return statuses
    .map((s) => `${s.id}:${s.up ? (s.paused ? 'paused ' : '') + s.role : 'down'} t${s.term} c${s.commitIndex} a${s.appliedIndex}`)
    .join(', ');
}
