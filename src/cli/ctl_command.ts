/**
 * `kv-sim ctl`: drive a real cluster's control planes with the emulator REPL's own words
 * (status, partition 1,2 3, isolate N, heal, link A B delay=.., oneway A B, pause/resume N,
 * snapshot [N], logsize). The line is parsed and run by the REPL's code, so both say the same.
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { ctlCommandList, CTL_VERBS, unknownCtlCommand } from './ctl_help.js';
import { runReplCommand, type KvRunner } from './repl_exec.js';
import { parseReplLine } from './repl_parse.js';
import { RemoteCluster } from './remote_cluster.js';

const DEFAULT_TIMEOUT_MS = 3_000;

/**
 * What a script sees; said in --help too. 2 is bad usage, as for every kv-sim command, so a
 * cluster that answered only in part is 3: a typo must not read as a degraded cluster.
 */
export const CTL_EXIT = { done: 0, failed: 1, usage: 2, someUnanswered: 3 } as const;

function builder(yargs: Argv<object>) {
  return yargs
    .positional('words', { type: 'string', array: true, describe: 'the command, one of those listed below' })
    .option('endpoints', { alias: 'e', type: 'string', demandOption: true, describe: 'control planes, comma-separated HOST:PORT or URLs' })
    .option('token', { type: 'string', describe: 'control token (the nodes\' control-token)' })
    .option('timeout-ms', { type: 'number', default: DEFAULT_TIMEOUT_MS, describe: 'how long to wait for each node' })
    .check((args) => {
      const timeout = args['timeout-ms'];
      if (!Number.isInteger(timeout) || timeout < 1) throw new Error(`--timeout-ms must be a positive integer, got ${String(timeout)}`);
      if (endpointList(args.endpoints).length === 0) throw new Error('--endpoints needs at least one HOST:PORT');
      return true;
    })
    .example('$0 ctl -e 10.0.0.1:9001,10.0.0.2:9001,10.0.0.3:9001 status', 'role, term and indexes of every node')
    .example('$0 ctl -e ... partition 1,2 3', 'nodes 1 and 2 cannot talk to node 3')
    .example('$0 ctl -e ... link 1 2 delay=100 loss=0.1', 'degrade the link between 1 and 2')
    .epilogue(
      `Commands (the emulator REPL's words for the same things):\n${ctlCommandList()}\n\n` +
        `Exit codes: ${CTL_EXIT.done} = done (every node answered, or the one node addressed did); ` +
        `${CTL_EXIT.failed} = the command failed: no node answered, or a fault not applied on every node (the error names them); ` +
        `${CTL_EXIT.usage} = bad usage (an unknown command, bad words, an unknown or missing flag, a bad value); ` +
        `${CTL_EXIT.someUnanswered} = status or logsize answered by some nodes only, or a node refuses to link with a peer ` +
        '(a line for each: an endpoint that did not answer, a member no endpoint answered for, a refused link).',
    );
}

type CtlArgs = ArgumentsCamelCase<Awaited<ReturnType<typeof builder>['argv']>>;

export const ctlCommand = {
  command: 'ctl <words..>',
  describe: "drive a real cluster's control planes: status and link faults, as in the REPL",
  builder,
  handler: async (args: CtlArgs): Promise<void> => {
    process.exitCode = await runCtl({
      words: (args.words ?? []).map(String),
      endpoints: endpointList(args.endpoints),
      token: args.token ?? null,
      timeoutMs: args['timeout-ms'],
      write: (text) => process.stdout.write(text),
    });
  },
};

function endpointList(text: string): string[] {
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

/** The REPL's runner needs a KV client; no ctl verb is a KV command, so this one is never asked. */
const NO_KV: KvRunner = {
  run: () => Promise.reject(new Error('ctl sends no KV commands')),
};

export interface CtlRun {
  words: string[];
  endpoints: string[];
  token: string | null;
  timeoutMs: number;
  write(text: string): void;
}

/** Runs one ctl command; resolves with its exit code (CTL_EXIT). */
export async function runCtl(run: CtlRun): Promise<number> {
  const verb = (run.words[0] ?? '').toLowerCase();
  const parsed = CTL_VERBS.includes(verb) ? parseReplLine(run.words.join(' ')) : { ok: false as const, error: unknownCtlCommand(run.words[0] ?? '') };
  if (!parsed.ok) {
    run.write(`(error) ${parsed.error}\n`);
    return CTL_EXIT.usage;
  }
  const cluster = new RemoteCluster({ endpoints: run.endpoints, token: run.token, timeoutMs: run.timeoutMs });
  const outcome = await runReplCommand(parsed.command, { cluster, kv: NO_KV });
  if (outcome.kind === 'exit') return CTL_EXIT.done;
  run.write(`${outcome.text}\n`);
  if (outcome.error) return CTL_EXIT.failed;
  if (verb === 'status' || verb === 'logsize') {
    for (const { endpoint, error } of cluster.unreachable) run.write(`${endpoint}: ${error}\n`);
    const uneven = new Set(cluster.rules.map((rule) => `${rule.cuts}/${rule.degradedLinks}`)).size > 1;
    const rules = cluster.rules.map((rule) => `node ${rule.id}: ${rule.cuts} cut(s), ${rule.degradedLinks} degraded link(s)`).join('; ');
    if (rules !== '') run.write(`link rules: ${rules}${uneven ? ' (nodes differ: a restarted node starts healthy; heal resets all)' : ''}\n`);
    for (const id of cluster.silentMembers) run.write(`node ${id}: a member that gave no status (its control endpoint is not in --endpoints, or did not answer)\n`);
    for (const { id, peer, reason } of cluster.refusals) run.write(`node ${id} refuses to link with node ${peer}: ${reason}\n`);
    const partial = cluster.unreachable.length > 0 || cluster.silentMembers.length > 0 || cluster.refusals.length > 0;
    if (partial) return CTL_EXIT.someUnanswered;
  }
  return CTL_EXIT.done;
}
