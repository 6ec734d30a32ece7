/**
 * THE composition function: from a plain NodeConfig it builds storage, transport, state machine,
 * NodeDriver, client servers and the real-clock loop, and returns a handle to run and stop them.
 * The emulator's worker entry and a one-node-per-process deployment both call it.
 */
import type { MessagePort } from 'node:worker_threads';
import { DEFAULT_RAFT_TUNING } from '../core/config.js';
import type { NodeId } from '../core/types.js';
import { KvStateMachine } from '../kv/kv_state_machine.js';
import { createLogger } from '../logging/logger.js';
import { KV_PROPOSAL_GROUPING } from './kv_proposal_grouping.js';
import { NodeDriver } from '../node/node_driver.js';
import type { NodeEvent } from '../node/types.js';
import type { Logger } from '../ports/logger.js';
import { SqliteStorage } from '../storage/sqlite_storage.js';
import { ENTRY_DATA_BYTES_MAX } from '../transport/codec.js';
import type { LinkRulesState } from '../transport/link_rules.js';
import { ForwardingBackend } from '../server/forward/forwarding_backend.js';
import { HttpServer } from '../server/http/http_server.js';
import { NodePause } from '../server/node_pause.js';
import { checkNodeConfig, NodeConfigError, PortUnavailable } from './check_node_config.js';
import { DriverBackend } from './driver_backend.js';
import { startClientServers, type ClientServers } from './client_servers.js';
import type { NodeConfig, NodeEndpoints, RuntimeEvent, RuntimeStatus } from './node_config.js';
import { leaseClock } from './lease_clock.js';
import { NodeLoop } from './node_loop.js';
import { PausableTransport } from './pausable_transport.js';
import { openPeerTransport, urlHost, type PeerTransport } from './peer_transport.js';
import { appendGraceBytesPerTick, TIMING_PROFILES } from './timing.js';
import { resolveSnapshotPolicy } from './snapshot_policy.js';
import { SnapshotRunner, snapshotStagger } from './snapshot_runner.js';
import { SnapshotStorage } from './snapshot_storage.js';

/** Applied-index events are coalesced to at most one per node per this interval (not a flood). */
export const APPLIED_EVENT_INTERVAL_MS = 50;

export interface RunningNode {
  readonly id: NodeId;
  readonly endpoints: NodeEndpoints;
  readonly redisPort: number;
  /** The bound TCP peer port; null on the MessagePort transport. */
  readonly peerPort: number | null;
  status(): RuntimeStatus;
  pause(): void;
  resume(): void;
  setLinkRules(state: LinkRulesState): void;
  replacePeerPort(peer: NodeId, port: MessagePort): void;
  setPeerAddresses(peers: Array<{ peer: NodeId; host: string; port: number }>): void;
  setClientAddresses(addresses: Array<{ peer: NodeId; address: string }>): void;
  resetStallStats(): void;
  /** Takes a snapshot now (without stalling the node) and stores it; resolves with its index. */
  snapshot(): Promise<number>;
  /** Role/leader changes at once; applied index at most every APPLIED_EVENT_INTERVAL_MS. */
  onEvent(listener: (event: RuntimeEvent) => void): void;
  stop(): Promise<void>;
}

/**
 * startedAtMs: when this node's process or worker started, on performance.now()'s clock; recovery
 * time in status is measured from it. Default 0: performance.timeOrigin, the process's start (right
 * for a process that runs one node). A worker thread shares its process's origin, so it passes its own start.
 */
export async function startNode(config: NodeConfig, options: { logger?: Logger; startedAtMs?: number } = {}): Promise<RunningNode> {
  checkNodeConfig(config);
  const policy = resolveSnapshotPolicy(config.snapshotPolicy);
  if (!policy.ok) throw new NodeConfigError(`invalid node config: ${policy.message}`);
  const logger = options.logger ?? createLogger({ level: config.logLevel, bindings: { node: config.id } });
  const timing = TIMING_PROFILES[config.timing];
  const storage = new SnapshotStorage(new SqliteStorage({
    dataDir: config.dataDir,
    nodeId: config.id,
    fsync: config.fsync,
    breakStaleLock: config.breakStaleLock === true,
    mustExist: config.dataMustExist === true,
  }));
  const raft = {
    ...DEFAULT_RAFT_TUNING,
    electionTimeoutTicks: timing.electionTimeoutTicks,
    heartbeatIntervalTicks: timing.heartbeatIntervalTicks,
    readLease: config.readLease ?? DEFAULT_RAFT_TUNING.readLease,
    appendGraceBytesPerTick: appendGraceBytesPerTick(timing),
  };
  const { electionTimeoutTicks, heartbeatIntervalTicks, checkQuorum, readLease } = raft;
  let peers: PeerTransport | null = null;
  let driver: NodeDriver | null = null;
  try {
    // Peers compare what the driver runs with, so the handshake cannot claim other settings.
    peers = await openPeerTransport(config, { tickIntervalMs: timing.tickIntervalMs, electionTimeoutTicks, heartbeatIntervalTicks, checkQuorum, readLease }, logger);
    const transport = new PausableTransport(peers.transport);
    const loop = new NodeLoop(timing.tickIntervalMs, transport);
    const events = new RuntimeEvents();
    const stateMachine = new KvStateMachine();
    driver = new NodeDriver({
      raft,
      id: config.id,
      seed: config.seed,
      initialMembership: { voters: [...config.members], learners: [] },
      storage,
      transport,
      stateMachine,
      logger,
      requestFlush: loop.requestFlush,
      requestTimeoutTicks: timing.requestTimeoutTicks,
      // Runs on while the node is paused, its event loop stalls or the host sleeps: a stalled
      // leader's lease runs out on time even when its ticks fall behind.
      leaseClock: leaseClock(timing.tickIntervalMs),
      // The runner applies the policy (in steps that do not stall the loop); the driver only compacts.
      snapshotPolicy: { entriesThreshold: Number.POSITIVE_INFINITY, bytesThreshold: Number.POSITIVE_INFINITY, retainEntries: policy.policy.retainEntries },
      proposalGrouping: KV_PROPOSAL_GROUPING,
      // Both transports carry an append in one frame; a bigger entry would wedge the log.
      entryBytesMax: ENTRY_DATA_BYTES_MAX,
      onEvent: (event) => events.fromDriver(event),
    });
    // Recovery: storage loaded, snapshot restored, log read back; measured here, not in the pure layers.
    const recoveryMs = Math.round(performance.now() - (options.startedAtMs ?? 0));
    events.runner = new SnapshotRunner({ driver, stateMachine, storage, policy: policy.policy, logger, firstCycleStagger: snapshotStagger(config.id) });
    const backend = new DriverBackend(driver, stateMachine, { unsafeReadsFromFollowers: config.unsafeReadsFromFollowers === true });
    backend.setClientAddresses(config.clientAddresses ?? []);
    // Paused, the node's client ports stop too (as a stopped process's), and so does the clock of their timeouts.
    const clientPause = new NodePause();
    // Followers forward writes and linearizable reads to the leader (RESP and HTTP alike).
    const front = new ForwardingBackend(backend, { entryBytesMax: ENTRY_DATA_BYTES_MAX, clock: clientPause });
    const resp = await startClientServers(config, front, logger, clientPause);
    // Its own client address too, so the leader's INFO and /v1/cluster name it (unless configured:
    // a node bound to all interfaces must advertise the address other hosts reach it at).
    if (!(config.clientAddresses ?? []).some(({ peer }) => peer === config.id)) {
      backend.setClientAddresses([{ peer: config.id, address: `${urlHost(config.host)}:${resp.redisPort}` }]);
    }
    const servers = await withHttpServer(resp, config, { front, driver, logger, clientPause });
    loop.start(driver);
    logger.info({ redis: servers.endpoints.redis, http: servers.endpoints.http, peer: peers.endpoint, members: config.members }, 'node started');
    logger.info({ recoveryMs, snapshotIndex: driver.status().snapshotIndex, firstIndex: driver.status().firstIndex }, 'recovered from disk');
    return assemble(config, { driver, loop, clientPause, peers, servers, events, backend, logger, runner: events.runner, recoveryMs });
  } catch (error) {
    if (driver !== null) driver.stop(); // closes transport and storage
    else {
      peers?.transport.close();
      storage.close();
    }
    throw error;
  }
}

/** Adds the HTTP API (config.httpPort, or any free port) to the RESP server; one close() stops both and the forwarder. */
async function withHttpServer(
  resp: ClientServers,
  config: NodeConfig,
  parts: { front: ForwardingBackend; driver: NodeDriver; logger: Logger; clientPause: NodePause },
): Promise<ClientServers> {
  const { front, driver, logger, clientPause } = parts;
  let http: HttpServer;
  try {
    http = await HttpServer.start({ backend: front, status: () => driver.status(), port: config.httpPort ?? 0, host: config.host, logger, pause: clientPause });
  } catch (error) {
    await resp.close();
    front.close();
    throw PortUnavailable.listening(config.id, 'HTTP clients', config.host, config.httpPort ?? 0, error);
  }
  logger.debug({ port: http.address().port }, 'HTTP server listening');
  return {
    ...resp,
    endpoints: { ...resp.endpoints, http: `http://${urlHost(config.host)}:${http.address().port}` },
    close: async () => {
      front.close();
      await Promise.all([resp.close(), http.close()]);
    },
  };
}

interface Parts {
  driver: NodeDriver;
  loop: NodeLoop;
  clientPause: NodePause;
  peers: PeerTransport;
  servers: ClientServers;
  events: RuntimeEvents;
  backend: DriverBackend;
  logger: Logger;
  runner: SnapshotRunner;
  recoveryMs: number;
}

function assemble(config: NodeConfig, parts: Parts): RunningNode {
  const { driver, loop, clientPause, peers, servers, events, backend, logger, runner, recoveryMs } = parts;
  let stopping: Promise<void> | null = null;
  return {
    id: config.id,
    endpoints: { redis: servers.endpoints.redis, http: servers.endpoints.http, peer: peers.endpoint },
    redisPort: servers.redisPort,
    peerPort: peers.port,
    status: () => ({
      ...driver.status(),
      snapshotIndex: runner.snapshotIndex,
      paused: loop.paused,
      ...loop.meter.read(),
      recoveryMs,
      snapshotStepMaxMs: Math.round(runner.stepMaxMs * 100) / 100,
      refusedPeers: peers.refusedPeers(),
    }),
    pause: () => {
      loop.pause();
      clientPause.pause();
      logger.info({}, 'paused');
    },
    resume: () => {
      loop.resume();
      clientPause.resume();
      logger.info({}, 'resumed');
    },
    setLinkRules: (state) => peers.setRules(state),
    replacePeerPort: (peer, port) => peers.replacePeerPort(peer, port),
    setPeerAddresses: (addresses) => peers.setPeerAddresses(addresses),
    setClientAddresses: (addresses) => backend.setClientAddresses(addresses),
    resetStallStats: () => {
      loop.meter.reset();
      runner.stepMaxMs = 0;
    },
    snapshot: () => runner.requestNow(),
    onEvent: (listener) => events.listen(listener),
    stop: () => {
      stopping ??= (async () => {
        loop.stop();
        events.stop();
        runner.stop();
        await servers.close();
        driver.stop(); // fails what is pending, closes transport and storage
        logger.info({}, 'node stopped');
      })();
      return stopping;
    },
  };
}

/** Turns the driver's synchronous events into cheap runtime events; applied ones are coalesced. */
class RuntimeEvents {
  private listener: ((event: RuntimeEvent) => void) | null = null;
  /** Told of applied bytes and installs (set once the driver exists). */
  runner: SnapshotRunner | null = null;
  private appliedIndex = 0;
  private appliedSent = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  listen(listener: (event: RuntimeEvent) => void): void {
    this.listener = listener;
  }

  fromDriver(event: NodeEvent): void {
    if (this.stopped) return;
    if (event.type === 'leader-changed') {
      this.listener?.({ type: 'soft-state', role: event.role, leader: event.leader, term: event.term });
      return;
    }
    if (event.type === 'snapshot-taken') {
      this.listener?.({ type: 'snapshot-taken', index: event.index, bytes: event.bytes });
      return;
    }
    if (event.type === 'snapshot-installed') {
      this.runner?.onInstalled(event.index);
      this.listener?.({ type: 'snapshot-installed', index: event.index });
      return;
    }
    let bytes = 0;
    for (const entry of event.entries) bytes += entry.data.length;
    this.runner?.onApplied(bytes);
    this.appliedIndex = event.index;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (this.stopped || this.appliedIndex === this.appliedSent) return;
      this.appliedSent = this.appliedIndex;
      this.listener?.({ type: 'applied', index: this.appliedIndex });
    }, APPLIED_EVENT_INTERVAL_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
