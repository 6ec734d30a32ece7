/**
 * startCluster: a supervisor started in a fresh data dir or one that holds this cluster, and
 * started again with a new port block when another program took one of its ports while it started.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterSupervisor } from './cluster.js';
import { checkDataDirFits } from './cluster_data_dir.js';
import { ClusterError, NodeStartFailed } from './cluster_error.js';
import { normalizeClusterOptions } from './cluster_options.js';
import type { Cluster, ClusterOptions } from './cluster_types.js';
import type { PortBlock } from './port_block.js';

/**
 * First starts that fail because another program took a port of the cluster's block between the
 * check and a node's bind (another kv-sim process can pick an overlapping block at the same moment)
 * are tried this many times in all, each with a new block.
 */
export const PORT_RACE_START_ATTEMPTS = 3;

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const settings = normalizeClusterOptions(options, () => Math.floor(Math.random() * 0x7fff_ffff));
  if (settings.dataDir !== null) checkDataDirFits(settings.dataDir, settings.nodes);
  const ownsDataDir = settings.dataDir === null;
  // Only where a failed attempt removed nothing of the user's: a fresh directory, or one whose data is kept.
  const retryable = ownsDataDir || settings.keepData;
  const lostPorts: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const dataDir = settings.dataDir ?? (await mkdtemp(join(tmpdir(), 'kv-sim-')));
    const cluster = new ClusterSupervisor(settings, dataDir, ownsDataDir);
    try {
      await cluster.startAll();
      return cluster;
    } catch (error) {
      await cluster.stop(); // waits for every worker, started or still starting
      const lost = blockPortLost(error, cluster.portBlock);
      if (lost !== null && retryable && attempt < PORT_RACE_START_ATTEMPTS) {
        lostPorts.push(lost);
        cluster.logRetry(lost, error);
        if (ownsDataDir) await rm(dataDir, { recursive: true, force: true }); // kept or not, it holds nothing
        continue;
      }
      if (lostPorts.length === 0) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const ports = `port${lostPorts.length > 1 ? 's' : ''} ${lostPorts.join(', ')}`;
      throw new ClusterError(`${message} (start attempt ${attempt}; the earlier attempts lost ${ports} of their blocks to another program)`, { cause: error });
    }
  }
}

/** The port of `block` that another program held when a node tried to listen on it, if that is why `error` happened. */
function blockPortLost(error: unknown, block: PortBlock | null): number | null {
  const unavailable = error instanceof NodeStartFailed ? error.portUnavailable : null;
  if (block === null || unavailable === null || unavailable.code !== 'EADDRINUSE') return null;
  const inBlock = unavailable.port >= block.base && unavailable.port < block.base + block.count;
  return inBlock ? unavailable.port : null;
}
