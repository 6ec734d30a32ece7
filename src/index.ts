/** kv-sim's package root: the emulator's API and the types a user of it needs. */
export { startCluster } from './cluster/start_cluster.js';
export { ClusterError } from './cluster/cluster_error.js';
export type {
  AppliedEvent,
  Cluster,
  ClusterEventName,
  ClusterNodeStatus,
  ClusterOptions,
  FsyncPolicy,
  LeaderChangedEvent,
  LinkControl,
  LogLevel,
  NodeEndpoints,
  NodeEvent,
  SnapshotInstalledEvent,
  SnapshotTakenEvent,
  TimingName,
} from './cluster/cluster_types.js';
export { KvClient } from './client/kv_client.js';
export type { KvClientOptions } from './client/kv_client.js';
export {
  KvArgumentError,
  KvClosedError,
  KvCommandError,
  KvError,
  KvProtocolError,
  KvSessionExpiredError,
  KvTimeoutError,
} from './client/errors.js';
export type { NodeId, Role, Membership } from './core/types.js';
export type { NodeStatus } from './node/types.js';
export type { LinkSettings } from './ports/transport.js';
export { runSimulation } from './sim/run_simulation.js';
export type { SimulationResult } from './sim/run_simulation.js';
export type { NemesisKind, SimulationOptions } from './sim/simulation_options.js';
export { startNode } from './runtime/start_node.js';
export type { RunningNode } from './runtime/start_node.js';
export type { NodeConfig } from './runtime/node_config.js';
