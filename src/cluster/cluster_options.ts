/** Checks ClusterOptions up front, so a bad argument is one clear ClusterError, not a broken cluster. */
import { isLogLevel, type LogLevel } from '../logging/logger.js';
import type { SnapshotPolicy } from '../node/types.js';
import type { FsyncPolicy } from '../runtime/node_config.js';
import { resolveSnapshotPolicy } from '../runtime/snapshot_policy.js';
import { isTimingName, type TimingName } from '../runtime/timing.js';
import { ClusterError } from './cluster_error.js';
import type { ClusterOptions } from './cluster_types.js';

export const CLUSTER_NODES_MAX = 9;

export interface ClusterSettings {
  nodes: number;
  transport: 'channel' | 'tcp';
  dataDir: string | null;
  keepData: boolean;
  seed: number;
  timing: TimingName;
  fsync: FsyncPolicy;
  logLevel: LogLevel;
  host: string;
  snapshotPolicy: SnapshotPolicy;
  readLease: boolean;
  /** Test hook that breaks linearizability (ClusterOptions.unsafeReadsFromFollowers). */
  unsafeReadsFromFollowers: boolean;
}

/** Every option startCluster reads: a misspelt one is refused rather than silently ignored. */
const CLUSTER_OPTION_NAMES: ReadonlyArray<keyof ClusterOptions> = [
  'nodes', 'transport', 'dataDir', 'keepData', 'seed', 'timing', 'fsync', 'logLevel', 'host', 'snapshotPolicy', 'readLease',
  'unsafeReadsFromFollowers',
];

export function normalizeClusterOptions(options: ClusterOptions, randomSeed: () => number): ClusterSettings {
  if (options === null || typeof options !== 'object') throw new ClusterError('startCluster needs an options object, e.g. { nodes: 3 }');
  const unknown = Object.keys(options).filter((name) => !(CLUSTER_OPTION_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ClusterError(`unknown startCluster option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${CLUSTER_OPTION_NAMES.join(', ')})`);
  }
  const { nodes } = options;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > CLUSTER_NODES_MAX) {
    throw new ClusterError(`nodes must be an integer from 1 to ${CLUSTER_NODES_MAX}, got ${String(nodes)}`);
  }
  const transport = options.transport ?? 'channel';
  if (transport !== 'channel' && transport !== 'tcp') {
    throw new ClusterError(`transport must be 'channel' or 'tcp', got ${String(transport)}`);
  }
  const timing = options.timing ?? 'fast';
  if (!isTimingName(timing)) throw new ClusterError(`timing must be 'fast' or 'standard', got ${String(timing)}`);
  const fsync = options.fsync ?? 'always';
  if (fsync !== 'always' && fsync !== 'batch' && fsync !== 'never') {
    throw new ClusterError(`fsync must be 'always', 'batch' or 'never', got ${String(fsync)}`);
  }
  const logLevel = options.logLevel ?? 'warn';
  if (!isLogLevel(logLevel)) throw new ClusterError(`logLevel must be debug, info, warn, error or silent, got ${String(logLevel)}`);
  const seed = options.seed ?? randomSeed();
  if (!Number.isSafeInteger(seed)) throw new ClusterError(`seed must be an integer, got ${String(seed)}`);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw new ClusterError('host must be a non-empty string');
  const dataDir = options.dataDir ?? null;
  if (dataDir !== null && (typeof dataDir !== 'string' || dataDir.length === 0)) {
    throw new ClusterError('dataDir must be a non-empty path');
  }
  const readLease = options.readLease ?? true;
  if (typeof readLease !== 'boolean') throw new ClusterError(`readLease must be true or false, got ${String(readLease)}`);
  const snapshot = resolveSnapshotPolicy(options.snapshotPolicy);
  if (!snapshot.ok) throw new ClusterError(snapshot.message);
  return {
    nodes, transport, dataDir, keepData: options.keepData === true, seed, timing, fsync, logLevel, host, snapshotPolicy: snapshot.policy, readLease,
    unsafeReadsFromFollowers: options.unsafeReadsFromFollowers === true,
  };
}
