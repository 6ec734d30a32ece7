/**
 * The `up` command's flags (yargs) and its wiring to the real cluster, the logger and the
 * process: stdin/stdout, the terminal check, and SIGINT/SIGTERM/SIGHUP.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { createLogger } from '../logging/logger.js';
import { runUp, type UpCluster, type UpSettings } from './up.js';
import { checkSeed } from './seed_flag.js';
import { listenForStop } from './stop_signals.js';

const TRANSPORTS = ['channel', 'tcp'] as const;
const TIMINGS = ['fast', 'standard'] as const;
const FSYNC_POLICIES = ['always', 'batch', 'never'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const NODES_MAX = 9;

function builder(yargs: Argv<object>) {
  return yargs
    .option('nodes', { alias: 'n', type: 'number', default: 3, describe: `number of nodes (1..${NODES_MAX})` })
    .option('transport', { choices: TRANSPORTS, default: 'channel' as const, describe: 'how nodes talk to each other' })
    .option('data-dir', { type: 'string', describe: 'where nodes keep their data (default: a fresh temp dir)' })
    .option('keep-data', { type: 'boolean', default: false, describe: 'keep the data dir on exit (otherwise removed)' })
    .option('timing', {
      choices: TIMINGS,
      default: 'fast' as const,
      describe: 'fast: elections in 150-300 ms; standard: etcd-like 1-2 s',
    })
    .option('fsync', { choices: FSYNC_POLICIES, default: 'always' as const, describe: 'when storage syncs to disk' })
    .option('read-lease', { type: 'boolean', default: true, describe: 'lease reads on the leader (--no-read-lease: a quorum round per read batch)' })
    .option('seed', { type: 'number', describe: 'seed for election jitter and link-rule randomness' })
    .option('log-level', {
      choices: LOG_LEVELS,
      default: 'info' as const,
      describe: 'log verbosity; logs go to stdout with the REPL (JSON lines when it is not a terminal: warn keeps a script clean)',
    })
    .check((args) => {
      if (!Number.isInteger(args.nodes) || args.nodes < 1 || args.nodes > NODES_MAX) {
        throw new Error(`--nodes must be an integer from 1 to ${NODES_MAX}, got ${String(args.nodes)}`);
      }
      if (args.seed !== undefined) checkSeed('--seed', args.seed);
      return true;
    })
    .example('$0 up --nodes 5', 'five nodes over MessageChannels, then a REPL')
    .example('$0 up --transport tcp --timing standard', 'real sockets and etcd-like timeouts');
}

type UpArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export const upCommand = {
  command: 'up',
  describe: 'start a cluster in this process and open a REPL for KV commands and faults',
  builder,
  handler: async (args: UpArgs): Promise<void> => {
    process.exitCode = await runUpInProcess(toSettings(args));
  },
};

function toSettings(args: UpArgs): UpSettings {
  return {
    nodes: args.nodes,
    transport: args.transport,
    dataDir: args['data-dir'],
    keepData: args['keep-data'],
    timing: args.timing,
    fsync: args.fsync,
    readLease: args['read-lease'],
    seed: args.seed,
    logLevel: args['log-level'],
  };
}

async function runUpInProcess(settings: UpSettings): Promise<number> {
  // On stdout, where the nodes log (README): one stream to read or filter, and on a terminal one
  // pretty printer for both (see createLogSink).
  const logger = createLogger({ level: settings.logLevel, destination: process.stdout, bindings: { name: 'kv-sim' } });
  // SIGHUP: the terminal closed; the cluster and its data dir go as on exit.
  const stop = listenForStop(['SIGINT', 'SIGTERM', 'SIGHUP']);
  try {
    return await runUp(settings, startUpCluster, {
      input: process.stdin,
      output: process.stdout,
      terminal: process.stdin.isTTY === true && process.stdout.isTTY === true,
      logger,
      signal: stop.signal,
    });
  } finally {
    stop.dispose();
    // The REPL is over: an open stdin (a pipe whose writer lives on) must not keep us running.
    process.stdin.destroy();
  }
}

async function startUpCluster(settings: UpSettings): Promise<UpCluster> {
  // Loaded on use: `--help` and flag errors should not pay for the cluster and worker modules.
  const { startCluster } = await import('../index.js');
  return startCluster({
    nodes: settings.nodes,
    transport: settings.transport,
    keepData: settings.keepData,
    timing: settings.timing,
    fsync: settings.fsync,
    readLease: settings.readLease,
    logLevel: settings.logLevel,
    ...(settings.dataDir === undefined ? {} : { dataDir: settings.dataDir }),
    ...(settings.seed === undefined ? {} : { seed: settings.seed }),
  });
}
