/**
 * `kv-sim up`: start a cluster, print where to reach it, log what it does, run the REPL, and stop
 * everything on the way out. The cluster factory is injected so the whole lifecycle (start,
 * endpoints, REPL, clean stop on exit, Ctrl-C or end of input) is testable without workers.
 */
import type { Readable, Writable } from 'node:stream';
import type { NodeId } from '../core/types.js';
import type { Logger } from '../ports/logger.js';
import { createKvRunner, type ReplKvClient } from './kv_runner.js';
import type { ReplCluster } from './repl_exec.js';
import { runRepl, type ReplEnd } from './repl.js';

export interface UpSettings {
  nodes: number;
  transport: 'channel' | 'tcp';
  dataDir: string | undefined;
  keepData: boolean;
  timing: 'fast' | 'standard';
  fsync: 'always' | 'batch' | 'never';
  readLease: boolean;
  seed: number | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

/** The part of the Cluster API `up` uses beyond the REPL's (a real Cluster satisfies it). */
export interface UpCluster extends ReplCluster {
  readonly nodeIds: NodeId[];
  endpoints(node: NodeId): { redis: string; http: string | null; peer: string | null };
  waitForLeader(options?: { timeoutMs?: number }): Promise<NodeId>;
  on(event: 'leader-changed', fn: (e: { node: NodeId; leader: NodeId; term: number }) => void): () => void;
  on(event: 'node-crashed' | 'node-restarted', fn: (e: { node: NodeId }) => void): () => void;
  /** A KV client over the nodes' redis endpoints (closed by stop()). */
  client(): ReplKvClient;
  /** The seed in use and where the data lives, when the cluster reports them. */
  readonly seed?: number;
  readonly dataDir?: string;
  stop(): Promise<void>;
}

export interface UpIo {
  input: Readable;
  output: Writable;
  terminal: boolean;
  logger: Logger;
  /** Aborted by SIGINT/SIGTERM: ends the REPL as if the user typed exit. */
  signal: AbortSignal;
}

/** How long to wait for the first leader before opening the REPL anyway. */
const FIRST_LEADER_TIMEOUT_MS = { fast: 10_000, standard: 30_000 } as const;

/** Runs `up` to the end; resolves with the process exit code. */
export async function runUp(
  settings: UpSettings,
  startCluster: (settings: UpSettings) => Promise<UpCluster>,
  io: UpIo,
): Promise<number> {
  const { output, logger } = io;
  const cluster = await startCluster(settings);
  const unsubscribe = watchCluster(cluster, logger);
  let end: ReplEnd | 'signal' = 'signal';
  try {
    output.write(describeCluster(cluster, settings));
    await announceLeader(cluster, settings, io);
    if (!io.signal.aborted) {
      end = await runRepl({
        input: io.input,
        output,
        terminal: io.terminal,
        signal: io.signal,
        context: { cluster, kv: createKvRunner(clientFor(cluster)) },
      });
    }
  } finally {
    for (const off of unsubscribe) off();
    output.write('stopping the cluster...\n');
    await cluster.stop();
  }
  const dataDir = cluster.dataDir ?? settings.dataDir;
  const kept = settings.keepData && dataDir !== undefined ? ` (data kept in ${dataDir})` : '';
  output.write(`cluster stopped${kept}\n`);
  logger.debug({ end }, 'kv-sim up finished');
  return 0;
}

function clientFor(cluster: UpCluster): ReplKvClient | { unavailable: string } {
  try {
    return cluster.client();
  } catch (error) {
    // e.g. nodes without a client port yet: fault verbs and status still work.
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
}

/** The lines a user (or a test) reads first: one per node with its client URLs. */
export function describeCluster(cluster: UpCluster, settings: UpSettings): string {
  const seed = cluster.seed ?? settings.seed;
  const dataDir = cluster.dataDir ?? settings.dataDir;
  const header =
    `kv-sim: ${cluster.nodeIds.length} ${cluster.nodeIds.length === 1 ? 'node' : 'nodes'} up ` +
    `(transport ${settings.transport}, timing ${settings.timing}, fsync ${settings.fsync}` +
    `${seed === undefined ? '' : `, seed ${seed}`})\n` +
    (dataDir === undefined ? '' : `data: ${dataDir}${settings.keepData ? ' (kept on exit)' : ' (removed on exit)'}\n`);
  const lines = cluster.nodeIds.map((id) => {
    const { redis, http } = cluster.endpoints(id);
    return `  node ${id}  ${redis}${http === null ? '' : `  ${http}`}\n`;
  });
  return header + lines.join('');
}

async function announceLeader(cluster: UpCluster, settings: UpSettings, io: UpIo): Promise<void> {
  try {
    const leader = await cluster.waitForLeader({ timeoutMs: FIRST_LEADER_TIMEOUT_MS[settings.timing] });
    io.output.write(`leader: node ${leader}\ntype help for the commands, exit to stop\n`);
  } catch (error) {
    // No leader yet is worth saying, not worth refusing the REPL: the user may want `status`.
    const message = error instanceof Error ? error.message : String(error);
    io.output.write(`no leader yet (${message}); type help for the commands\n`);
  }
}

function watchCluster(cluster: UpCluster, logger: Logger): Array<() => void> {
  // Every node reports the leader it sees; say it once per term, the rest at debug level.
  let announcedTerm = -1;
  return [
    cluster.on('leader-changed', (e) => {
      const fields = { node: e.node, leader: e.leader, term: e.term };
      if (e.leader !== 0 && e.term > announcedTerm) {
        announcedTerm = e.term;
        logger.info(fields, `node ${e.leader} is the leader of term ${e.term}`);
      } else {
        logger.debug(fields, 'leader changed');
      }
    }),
    cluster.on('node-crashed', (e) => logger.info({ node: e.node }, `node ${e.node} crashed`)),
    cluster.on('node-restarted', (e) => logger.info({ node: e.node }, `node ${e.node} restarted`)),
  ];
}
