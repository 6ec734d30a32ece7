/**
 * `kv-sim chaos`: a seeded fault run on the emulator with a recorded client history, checked for
 * linearizability, with a report directory. Wiring only; the run is src/chaos/run_chaos.ts.
 * Exit codes: 0 linearizable, 1 not linearizable, 2 unknown verdict, an error, or bad flags
 * (flags are checked here, not by yargs, so that bad ones also exit 2 with one line).
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { makeDirectory } from '../lib/make_directory.js';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { DEFAULT_CHAOS_OPTIONS, resolveChaosOptions, type ChaosOptions } from '../chaos/chaos_options.js';
import { NEMESIS_GROUPS, parseNemesis } from '../chaos/nemesis_plan.js';
import { writeReport } from '../chaos/report.js';
import { leaderlessMs } from '../chaos/leader_monitor.js';
import { runChaos } from '../chaos/run_chaos.js';
import { formatSummary, summarize } from '../chaos/summary.js';
import { runChaosSimulation } from '../sim/chaos_simulation.js';
import { parseSeed } from './seed_flag.js';
import { listenForStop } from './stop_signals.js';

const KNOWN_FLAGS = new Set([
  'nodes', 'n', 'time', 'clients', 'reader-clients', 'keys', 'nemesis', 'seed', 'transport', 'out', 'operation-timeout-ms', 'check-budget-ms',
  'settle-timeout-ms', 'think-max-ms', 'quiet', 'simulate', 'help', 'h', 'version', '_', '$0',
]);

function builder(yargs: Argv<object>) {
  const d = DEFAULT_CHAOS_OPTIONS;
  return yargs
    .strict(false)
    .option('nodes', { alias: 'n', type: 'string', default: String(d.nodes), describe: 'cluster size (1..9)' })
    .option('time', { type: 'string', default: String(d.durationMs / 1000), describe: 'seconds of faults and load' })
    .option('clients', { type: 'string', default: String(d.clients), describe: 'concurrent clients, each with its own connection' })
    .option('reader-clients', { type: 'string', default: String(d.readerClients), describe: 'extra clients that only read (unlike writers they stay on a cut-off leader while it answers)' })
    .option('keys', { type: 'string', default: String(d.keys), describe: 'keys the clients share' })
    .option('nemesis', { type: 'string', default: 'partition,crash,loss', describe: `faults: ${Object.keys(NEMESIS_GROUPS).join(', ')}, none, or single kinds (see src/chaos/README.md)` })
    .option('seed', { type: 'string', describe: 'seed of the schedule, the workload and the cluster (default: random, printed)' })
    .option('transport', { type: 'string', default: 'channel', describe: 'channel (MessagePorts) or tcp (sockets)' })
    .option('out', { type: 'string', default: 'chaos-report', describe: 'directory for history.jsonl, summary.json and index.html' })
    .option('operation-timeout-ms', { type: 'string', default: String(d.operationTimeoutMs), describe: 'deadline of one client operation (then: unknown outcome)' })
    .option('check-budget-ms', { type: 'string', default: String(d.checkBudgetMs), describe: 'time budget of the linearizability check' })
    .option('settle-timeout-ms', { type: 'string', default: String(d.settleTimeoutMs), describe: 'how long the healed cluster may take to settle' })
    .option('think-max-ms', { type: 'string', default: String(d.thinkMaxMs), describe: 'each client pauses 0..this between operations' })
    .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines on stderr' })
    .option('simulate', { type: 'boolean', default: false, describe: 'run in the deterministic simulator instead (virtual time: --time is virtual seconds; replays exactly from --seed)' })
    .example('$0 chaos --nodes 5 --time 60 --clients 10 --nemesis partition,crash,loss --seed 7 --out report/', 'a one-minute run; open report/index.html')
    .example('$0 chaos --simulate --seed 7 --time 10 --out report/', 'the same nemesis and check in the simulator (10 virtual seconds)');
}

type ChaosArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export const chaosCommand = {
  command: 'chaos',
  describe: 'run a seeded fault schedule against a live cluster, record the client history and check it for linearizability',
  builder,
  handler: async (args: ChaosArgs): Promise<void> => {
    const err = (line: string): void => void process.stderr.write(`${line}\n`);
    let settings: ChaosSettings;
    try {
      settings = toChaosSettings(args as unknown as Record<string, unknown>);
    } catch (error) {
      err(`kv-sim chaos: ${error instanceof Error ? error.message : String(error)} (see kv-sim chaos --help)`);
      process.exitCode = 2;
      return;
    }
    const print = (line: string): void => void process.stdout.write(`${line}\n`);
    process.exitCode = settings.simulate ? await runChaosSimulationCommand(settings, print) : await runChaosCommand(settings, print, settings.quiet ? () => {} : err);
  },
};

export interface ChaosSettings {
  options: ChaosOptions;
  out: string;
  quiet: boolean;
  simulate: boolean;
}

/** The simulator variant: same nemesis plans and checker, virtual time; prints the trace hash. */
export async function runChaosSimulationCommand(settings: { options: ChaosOptions; out: string }, print: (line: string) => void): Promise<number> {
  const { options, out } = settings;
  try {
    await checkWritableDir(out);
    const started = performance.now();
    const result = runChaosSimulation({
      seed: options.seed, nodes: options.nodes, clients: options.clients, readerClients: options.readerClients, keys: options.keys, durationMs: options.durationMs, nemesis: options.nemesis,
    });
    const summary = summarize({
      options: { ...options, transport: 'channel' },
      history: result.history,
      faults: result.faults,
      leaderlessMs: leaderlessMs(result.leaderSamples, result.virtualMs),
      settleMs: undefined,
      check: result.check,
      problem: result.safetyViolation,
      runMs: performance.now() - started,
    });
    print(formatSummary(summary).replace(/\(channel\)/, '(simulated, virtual time)'));
    print(`trace hash ${result.traceHash}; replay: kv-sim chaos --simulate --seed ${options.seed} --nodes ${options.nodes} --clients ${options.clients} --reader-clients ${options.readerClients} --keys ${options.keys} --time ${options.durationMs / 1000} --nemesis ${options.nemesis.join(',') || 'none'}`);
    const paths = await writeReport(out, { summary, history: result.history, faults: result.faults, leaderSamples: result.leaderSamples, title: 'kv-sim chaos (simulated)' });
    print(`report: ${paths.join(', ')}`);
    return summary.exitCode;
  } catch (error) {
    print(`kv-sim chaos: error: ${oneLine(error)}`);
    return 2;
  }
}

/**
 * Runs, prints the summary, writes the report; returns the exit code. The first SIGINT, SIGTERM or
 * SIGHUP, or stdout or stderr closed by its reader, ends the faulty phase early (the run still
 * heals, stops its cluster, checks and reports); a second signal exits at once.
 */
export async function runChaosCommand(settings: { options: ChaosOptions; out: string }, print: (line: string) => void, progress: (line: string) => void): Promise<number> {
  const { options, out } = settings;
  const stop = listenForStop(['SIGINT', 'SIGTERM', 'SIGHUP']);
  try {
    await checkWritableDir(out);
    progress(`kv-sim chaos: seed ${options.seed}; replay with --seed ${options.seed}`);
    const result = await runChaos(options, progress, stop.signal);
    // The verdict first: a report that cannot be written must not hide it.
    print(formatSummary(result.summary));
    const paths = await writeReport(out, { summary: result.summary, history: result.history, faults: result.faults, leaderSamples: result.leaderSamples });
    print(`report: ${paths.join(', ')}`);
    return result.summary.exitCode;
  } catch (error) {
    print(`kv-sim chaos: error: ${oneLine(error)}`);
    return 2;
  } finally {
    stop.dispose();
  }
}

/** Creates `dir` if needed and checks it takes files, before a run that would write there at its end. */
async function checkWritableDir(dir: string): Promise<void> {
  try {
    makeDirectory(dir);
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new Error(`--out ${dir} cannot hold the report: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

/** A flag's text; given twice, the last one counts. */
function lastText(raw: unknown): string {
  return Array.isArray(raw) ? String(raw.at(-1)) : String(raw);
}

/** Flags to options, every check with a one-line message. Exported for tests. */
export function toChaosSettings(args: Record<string, unknown>): ChaosSettings {
  const unknown = Object.keys(args).filter((name) => !KNOWN_FLAGS.has(name) && !/[A-Z]/.test(name));
  if (unknown.length > 0) throw new Error(`unknown flag${unknown.length > 1 ? 's' : ''}: ${unknown.map((n) => `--${n}`).join(', ')}`);
  const extra = (args._ as unknown[] | undefined)?.slice(1) ?? [];
  if (extra.length > 0) throw new Error(`unexpected argument ${String(extra[0])}`);
  const number = (name: string, min: number, integer = true): number => {
    const text = lastText(args[name]);
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${text}'`);
    }
    return value;
  };
  const seed = args.seed === undefined ? Math.floor(Math.random() * 1_000_000) : parseSeed('--seed', lastText(args.seed));
  const transport = String(args.transport);
  if (transport !== 'channel' && transport !== 'tcp') throw new Error(`--transport must be channel or tcp, got '${transport}'`);
  const out = String(args.out ?? '');
  if (out.trim() === '') throw new Error('--out needs a directory');
  let nemesis;
  try {
    nemesis = parseNemesis(String(args.nemesis));
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error));
  }
  const options = resolveChaosOptions({
    nodes: number('nodes', 1),
    durationMs: number('time', 0.1, false) * 1000,
    clients: number('clients', 1),
    readerClients: number('reader-clients', 0),
    keys: number('keys', 1),
    nemesis,
    seed,
    transport,
    operationTimeoutMs: number('operation-timeout-ms', 1),
    checkBudgetMs: number('check-budget-ms', 1),
    settleTimeoutMs: number('settle-timeout-ms', 1),
    thinkMaxMs: number('think-max-ms', 0),
  });
  return { options, out: resolve(out), quiet: args.quiet === true, simulate: args.simulate === true };
}
