/**
 * `kv-sim sim`: the deterministic simulator from the command line. One seed prints a summary and
 * the trace hash; --seeds N runs a batch and prints pass/fail plus simulated seconds per wall
 * (and CPU) second. Exit code 1 when any seed finds a violation; each failure prints the command
 * that replays it.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import type { UnsafeBugs } from '../core/config.js';
import { runSeeds, runSimulation, simulationFlags, type SimulationResult } from '../sim/run_simulation.js';
import { DEFAULT_SIMULATION, NEMESIS_KINDS, resolveSimulationOptions, SIMULATION_FLAGS, type NemesisKind, type SimulationOptions } from '../sim/simulation_options.js';
import { UNSAFE_BUG_SETTINGS } from '../sim/unsafe_bug_settings.js';
import { checkSeed } from './seed_flag.js';

const UNSAFE_BUGS = Object.keys(UNSAFE_BUG_SETTINGS) as Array<keyof UnsafeBugs>;

/**
 * What --help says about --unsafe: a command line per bug that the checkers fail. `--unsafe X`
 * itself changes nothing else, rather than bringing X's settings along: a run is then exactly the
 * flags it shows (its replay line included), and bugs with different settings can still be mixed.
 */
function unsafeEpilogue(): string {
  const lines = UNSAFE_BUGS.map((bug) => {
    const { options, seeds } = UNSAFE_BUG_SETTINGS[bug];
    return `${bug}:\n  kv-sim sim --seeds ${seeds} ${simulationFlags(resolveSimulationOptions({ ...options, unsafe: { [bug]: true } }))}`;
  });
  return (
    '--unsafe breaks the core on purpose. Each bug needs faults that make it matter (with the default ' +
    'settings the checkers catch only forgetVote); under these, some seed fails (exit code 1):\n\n' +
    lines.join('\n')
  );
}

function builder(yargs: Argv<object>) {
  const d = DEFAULT_SIMULATION;
  return yargs
    .option('seed', { type: 'number', describe: 'run this one seed' })
    .option('seeds', { type: 'number', describe: 'run this many seeds, from --seed-start' })
    .option('seed-start', { type: 'number', default: 1, describe: 'first seed of a --seeds batch' })
    .option('nodes', { alias: 'n', type: 'number', default: d.nodes, describe: 'cluster size (1..15)' })
    .option('clients', { type: 'number', default: d.clients, describe: 'concurrent clients' })
    .option('keys', { type: 'number', default: d.keys, describe: 'registers the clients use' })
    .option('duration-ms', { type: 'number', default: d.durationMs, describe: 'virtual ms of faults and load' })
    .option('quiet-ms', { type: 'number', default: d.quietMs, describe: 'liveness bound: virtual ms to settle after faults stop' })
    .option('nemesis', { type: 'string', default: 'all', describe: `faults: all, none, or a list of ${NEMESIS_KINDS.join(',')}` })
    .option('fault-interval-min-ms', { type: 'number', default: d.faultIntervalMinMs })
    .option('fault-interval-max-ms', { type: 'number', default: d.faultIntervalMaxMs })
    .option('downtime-min-ms', { type: 'number', default: d.downtimeMinMs, describe: 'crash/pause duration, lower bound' })
    .option('downtime-max-ms', { type: 'number', default: d.downtimeMaxMs, describe: 'crash/pause duration, upper bound' })
    .option('network-delay-ms', { type: 'number', default: d.networkDelayMs, describe: 'base one-way latency' })
    .option('network-jitter-ms', { type: 'number', default: d.networkJitterMs, describe: 'random extra latency (reorders)' })
    .option('tick-ms', { type: 'number', default: d.tickMs, describe: 'virtual ms per raft tick' })
    .option('heartbeat-ticks', { type: 'number', default: d.heartbeatIntervalTicks, describe: 'raft: ticks between leader heartbeats' })
    .option('election-ticks', { type: 'number', default: d.electionTimeoutTicks, describe: 'raft: election timeout in ticks (randomized up to twice that)' })
    .option('append-bytes-max', { type: 'number', default: d.appendBytesMax, describe: 'raft: payload bytes per append' })
    .option('snapshot-every', { type: 'number', default: d.snapshotEntriesThreshold, describe: 'snapshot and compact after this many applied entries (0: never)' })
    .option('snapshot-retain', { type: 'number', default: d.snapshotRetainEntries, describe: 'entries kept in the log behind a snapshot' })
    .option('snapshot-chunk-bytes', { type: 'number', default: d.snapshotChunkBytesMax, describe: 'bytes per InstallSnapshot chunk' })
    .option('sync-delay-max-ms', { type: 'number', default: d.syncDelayMaxMs, describe: 'background disk sync time, upper bound (0: durable when written); a crash loses unsynced writes' })
    .option('pre-vote', { type: 'boolean', default: d.preVote, describe: 'raft pre-vote (--no-pre-vote to disable)' })
    .option('check-quorum', { type: 'boolean', default: d.checkQuorum, describe: 'raft check-quorum' })
    .option('read-lease', { type: 'boolean', default: d.readLease, describe: 'lease reads on the leader (needs check-quorum; --no-read-lease: a quorum round per read batch)' })
    .option('unsafe', { type: 'string', describe: `deliberately broken core, to see the checkers fire under the settings below: ${UNSAFE_BUGS.join(',')}` })
    .option('verbose', { type: 'boolean', default: false, describe: 'with --seeds: one line per seed' })
    .check((args) => {
      if (args.seed !== undefined && args.seeds !== undefined) throw new Error('use either --seed or --seeds, not both');
      checkSimSettings(toSimSettings(args));
      return true;
    })
    .example('$0 sim --seed 7 --nodes 5', 'one seeded run with every fault; prints the trace hash')
    .example('$0 sim --seeds 2000', 'seeds 1..2000; prints failures and speed')
    .epilogue(unsafeEpilogue());
}

type SimArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export const simCommand = {
  command: 'sim',
  describe: 'run the deterministic simulator (virtual time, seeded faults, safety checkers)',
  builder,
  handler: (args: SimArgs): void => {
    const write = (line: string): void => void process.stdout.write(`${line}\n`);
    process.exitCode = runSimCommand(toSimSettings(args), write);
  },
};

export interface SimSettings {
  options: Partial<SimulationOptions>;
  seed: number | undefined;
  seeds: number | undefined;
  seedStart: number;
  verbose: boolean;
}

/** The flags read by name; the options' flags are read through SIMULATION_FLAGS. */
interface SimFlags {
  seed: number | undefined;
  seeds: number | undefined;
  'seed-start': number;
  verbose: boolean;
  nemesis: string;
  unsafe: string | undefined;
}

function toSimSettings(args: SimFlags): SimSettings {
  const flags = args as unknown as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  for (const [option, flag] of Object.entries(SIMULATION_FLAGS)) {
    if (option !== 'seed' && option !== 'nemesis' && option !== 'unsafe') options[option] = flags[flag];
  }
  return {
    seed: args.seed,
    seeds: args.seeds,
    seedStart: args['seed-start'],
    verbose: args.verbose,
    options: { ...(options as Partial<SimulationOptions>), nemesis: parseNemesis(args.nemesis), unsafe: parseUnsafe(args.unsafe) },
  };
}

/** Refuses bad flags before anything runs, naming them as typed (the library names its options). */
function checkSimSettings(settings: SimSettings): void {
  if (settings.seed !== undefined) checkSeed('--seed', settings.seed);
  checkSeed('--seed-start', settings.seedStart);
  if (settings.seeds !== undefined && (!Number.isSafeInteger(settings.seeds) || settings.seeds < 1)) {
    throw new Error(`--seeds must be a positive integer, got ${settings.seeds}`);
  }
  // The batch's last seed must be a seed too.
  if (settings.seeds !== undefined) checkSeed('--seed-start plus --seeds minus 1', settings.seedStart + settings.seeds - 1);
  resolveSimulationOptions({ ...settings.options, seed: settings.seed ?? settings.seedStart }, (option) => `--${SIMULATION_FLAGS[option]}`);
}

export function parseNemesis(text: string): NemesisKind[] {
  if (text === 'all') return [...NEMESIS_KINDS];
  if (text === 'none' || text === '') return [];
  const kinds = text.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!(NEMESIS_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`unknown nemesis '${kind}' (known: all, none, ${NEMESIS_KINDS.join(', ')})`);
    }
  }
  return kinds as NemesisKind[];
}

export function parseUnsafe(text: string | undefined): UnsafeBugs {
  const bugs: UnsafeBugs = {};
  if (text === undefined || text === '') return bugs;
  for (const name of text.split(',').map((bug) => bug.trim())) {
    if (!(UNSAFE_BUGS as readonly string[]).includes(name)) throw new Error(`unknown --unsafe bug '${name}' (known: ${UNSAFE_BUGS.join(', ')})`);
    bugs[name as keyof UnsafeBugs] = true;
  }
  return bugs;
}

/** Runs what the settings ask for, writing lines through `write`; returns the exit code. */
export function runSimCommand(settings: SimSettings, write: (line: string) => void): number {
  const wallStartMs = performance.now();
  const cpuStart = process.cpuUsage();
  const elapsed = (): { wallMs: number; cpuMs: number } => {
    const cpu = process.cpuUsage(cpuStart);
    return { wallMs: performance.now() - wallStartMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  if (settings.seeds === undefined) {
    const result = runSimulation({ ...settings.options, seed: settings.seed ?? settings.seedStart });
    printRun(result, write);
    write(speedLine(result.virtualMs, elapsed()));
    return result.ok ? 0 : 1;
  }
  const summary = runSeeds({ ...settings.options, seedStart: settings.seedStart, seeds: settings.seeds }, (result) => {
    if (!result.ok) printFailure(result, write);
    else if (settings.verbose) write(`seed ${result.seed}: ok  trace ${result.traceHash}  ${formatStats(result)}`);
  });
  const last = summary.seedStart + summary.seeds - 1;
  const failed = summary.failures.length;
  write(`seeds ${summary.seedStart}..${last}: ${summary.passed} passed, ${failed} failed`);
  write(speedLine(summary.virtualMs, elapsed()));
  return failed === 0 ? 0 : 1;
}

function printRun(result: SimulationResult, write: (line: string) => void): void {
  if (result.ok) write(`seed ${result.seed}: ok`);
  else printFailure(result, write);
  write(`  ${formatStats(result)}`);
  write(`  settled ${result.settleMs} ms after faults stopped; virtual time ${(result.virtualMs / 1000).toFixed(1)} s`);
  write(`  trace hash ${result.traceHash}`);
}

function printFailure(result: SimulationResult, write: (line: string) => void): void {
  const violation = result.violation;
  write(`seed ${result.seed}: FAILED ${violation?.checker} at ${violation?.timeMs.toFixed(1)} ms (virtual): ${violation?.message}`);
  write(`  replay: ${result.replay}`);
}

function formatStats(result: SimulationResult): string {
  const s = result.stats;
  return (
    `writes acked ${s.writesAcked}, reads ${s.readsOk}, committed ${s.committedIndex}, elections ${s.elections}, ` +
    `faults ${s.faults}, crashes ${s.crashes}, snapshots ${s.snapshots} (installed ${s.snapshotsInstalled}), messages ${s.messagesDelivered}/${s.messagesSent}`
  );
}

function speedLine(virtualMs: number, { wallMs, cpuMs }: { wallMs: number; cpuMs: number }): string {
  const perWall = virtualMs / Math.max(wallMs, 1);
  const perCpu = virtualMs / Math.max(cpuMs, 1);
  return `simulated ${(virtualMs / 1000).toFixed(1)} s in ${(wallMs / 1000).toFixed(2)} s wall (${perWall.toFixed(0)}x real time; ${perCpu.toFixed(0)}x per CPU second)`;
}
