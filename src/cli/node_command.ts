/**
 * `kv-sim node`: one process runs one node of a real cluster (TCP between nodes, SQLite on disk),
 * built by the same startNode() as the emulator's workers. Settings come from a YAML file, flags
 * and KV_SIM_* variables; SIGTERM or SIGINT stops it cleanly (exit 0), and so does a closed stdout
 * (its logs' reader gone, as in `kv-sim node ... | head`).
 */
import { randomInt } from 'node:crypto';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { claimDataDir, type DataDirClaim } from '../config/data_dir_owner.js';
import { formatHostPort } from '../lib/host_port.js';
import { loadNodeSettings } from '../config/load_node_settings.js';
import { SETTING_KEYS, type NodeSettings, type RawSettings } from '../config/node_settings.js';
import { toNodeConfig } from '../config/to_node_config.js';
import { listenForStop } from './stop_signals.js';
import { createLogger } from '../logging/logger.js';
import type { Logger } from '../ports/logger.js';

/** How long a clean stop may take before the process exits anyway (it says so). */
const STOP_TIMEOUT_MS = 10_000;

const DESCRIPTIONS: Record<(typeof SETTING_KEYS)[number], string> = {
  id: "this node's id (a member id)",
  'data-dir': 'where this node keeps its data (relative to the config file when set there)',
  members: 'initial members: ID=PEERHOST:PORT/CLIENTHOST:PORT,... (client part optional)',
  'peer-listen': 'where the Raft peer port binds, HOST:PORT (default: own members peer address)',
  'peer-advertise': "the address the other nodes dial (must match this node's members entry)",
  'client-host': 'where the RESP and HTTP client ports bind (default: own members client host)',
  'redis-port': 'RESP client port (default: own members client port, else 6379)',
  'http-port': 'HTTP API port (default 8080)',
  'control-listen': 'control plane, PORT (loopback) or HOST:PORT; off when not set',
  'control-token': 'bearer token the control plane requires (recommended off loopback)',
  timing: 'fast (elections in 150-300 ms) or standard (1-2 s, default)',
  fsync: 'always (default), batch or never',
  'read-lease': 'lease reads on the leader: true (default) or false (a quorum round per read batch)',
  'log-level': 'debug, info (default), warn, error or silent',
  'log-format': 'auto (pretty on a terminal, default), json or pretty',
  seed: 'seed for election jitter (default: random)',
};

function builder(yargs: Argv<object>) {
  let argv = yargs.option('config', { alias: 'c', type: 'string', describe: 'YAML config file (flags and KV_SIM_* variables win over it)' });
  for (const key of SETTING_KEYS) {
    // Strings, no defaults: the file fills what flags leave out, and one parser checks both.
    argv = argv.option(key, { type: 'string', describe: DESCRIPTIONS[key] });
  }
  return argv
    .example('$0 node --config node1.yaml', 'run the node a config file describes')
    .example('$0 node --id 1 --data-dir data/n1 --members 1=10.0.0.1:7001/10.0.0.1:6379,2=...', 'the same with flags');
}

type NodeArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export const nodeCommand = {
  command: 'node',
  describe: 'run one node of a real cluster in this process (TCP peers, SQLite storage)',
  builder,
  handler: async (args: NodeArgs): Promise<void> => {
    const overrides: RawSettings = {};
    const record = args as unknown as Record<string, unknown>;
    for (const key of SETTING_KEYS) overrides[key] = record[key];
    const settings = loadNodeSettings({ ...(args.config === undefined ? {} : { configPath: args.config }), overrides, cwd: process.cwd() });
    process.exitCode = await runNode(settings);
  },
};

/** Starts the node, serves until SIGTERM/SIGINT, stops cleanly; resolves with the exit code. */
export async function runNode(settings: NodeSettings): Promise<number> {
  const stopSignal = listenForStop(['SIGTERM', 'SIGINT']);
  const claim = claimDataDir(settings.dataDir);
  const logger = createLogger({ level: settings.logLevel, format: settings.logFormat, bindings: { node: settings.id } });
  let stop: (() => Promise<void>) | null = null;
  try {
    const { startNode } = await import('../runtime/start_node.js');
    const config = toNodeConfig(settings, { randomSeed: randomInt(0, 2 ** 32), breakStaleLock: claim.previousOwnerGone });
    if (claim.previousOwnerGone) logger.warn({ dataDir: settings.dataDir }, 'the previous owner of the data dir did not stop cleanly; recovering');
    const node = await startNode(config, { logger });
    stop = () => node.stop();
    const control = await startControl(settings, node, logger);
    if (control !== null) stop = async () => Promise.all([control.close(), node.stop()]).then(() => undefined);
    // Timing and read-lease must match on every node (peers refuse each other otherwise): log them to compare.
    const ready = { peer: formatHostPort(settings.peerAdvertise), redis: node.endpoints.redis, http: node.endpoints.http, control: control === null ? null : control.url };
    logger.info({ ...ready, timing: settings.timing, readLease: settings.readLease }, 'ready');
  } catch (error) {
    claim.release();
    stopSignal.dispose();
    throw error;
  }
  const reason = await stopSignal.requested;
  logger.info({ reason }, 'stopping');
  return stopWithin(stop, claim, logger);
}

async function stopWithin(stop: () => Promise<void>, claim: DataDirClaim, logger: Logger): Promise<number> {
  const timer = setTimeout(() => {
    logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'clean stop took too long; exiting');
    process.exit(1);
  }, STOP_TIMEOUT_MS);
  timer.unref();
  await stop();
  claim.release();
  clearTimeout(timer);
  return 0;
}

async function startControl(settings: NodeSettings, node: import('../runtime/start_node.js').RunningNode, logger: Logger) {
  const listen = settings.controlListen;
  if (listen === null) return null;
  const { ControlHttp } = await import('../runtime/control_http.js');
  let control;
  try {
    control = await ControlHttp.start({ node, members: settings.members.map((member) => member.id), host: listen.host, port: listen.port, token: settings.controlToken, logger });
  } catch (error) {
    await node.stop();
    throw new Error(`node ${settings.id} cannot listen for control requests on ${formatHostPort(listen)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (settings.controlToken === null && !isLoopback(listen.host)) {
    logger.warn({ control: formatHostPort(listen) }, 'the control plane is reachable off this host without a token (set control-token)');
  }
  return { url: `http://${formatHostPort(control.address())}`, close: () => control.close() };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
