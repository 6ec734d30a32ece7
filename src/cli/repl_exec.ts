/**
 * Runs one parsed REPL command against the cluster and the KV client and turns the outcome into
 * text. Anything the cluster throws for bad arguments (unknown node, node already down) becomes
 * an error line: the REPL keeps going, only `exit` ends it.
 */
import type { NodeId } from '../core/types.js';
import type { LinkSettings } from '../ports/transport.js';
import { REPL_HELP } from './repl_help.js';
import { parseReplLine, type ReplCommand } from './repl_parse.js';
import { renderLogSizeTable, type LogSizeRow } from './repl_logsize.js';
import { renderStatusTable, type StatusRow } from './status_table.js';

/** The part of the Cluster API the REPL drives (a real Cluster satisfies it structurally). */
export interface ReplCluster {
  status(): Promise<Array<StatusRow & Partial<LogSizeRow>>>;
  /** Optional so that stand-ins without snapshots still drive the REPL; `snapshot` says so. */
  snapshot?(node?: NodeId): Promise<number>;
  crash(node: NodeId): Promise<void>;
  restart(node: NodeId): Promise<void>;
  partition(groups: NodeId[][]): Promise<void>;
  partitionOneWay(from: NodeId, to: NodeId): Promise<void>;
  isolate(node: NodeId): Promise<void>;
  heal(): Promise<void>;
  link(a: NodeId, b: NodeId): { set(settings: Partial<LinkSettings>): Promise<void> };
  pause(node: NodeId): Promise<void>;
  resume(node: NodeId): Promise<void>;
}

/** Runs a KV command through the client and renders its reply (redis-cli style). */
export interface KvRunner {
  run(name: string, args: string[]): Promise<string>;
}

export interface ReplContext {
  cluster: ReplCluster;
  kv: KvRunner;
}

export type ReplOutcome = { kind: 'output'; text: string; error: boolean } | { kind: 'exit' };

/** Parses and runs one line. Never throws: every failure is an error outcome. */
export async function runReplLine(line: string, context: ReplContext): Promise<ReplOutcome> {
  const parsed = parseReplLine(line);
  if (!parsed.ok) return errorOutcome(parsed.error);
  return runReplCommand(parsed.command, context);
}

/** Runs one parsed command (ctl parses first, to tell bad words from failed ones). Never throws. */
export async function runReplCommand(command: ReplCommand, context: ReplContext): Promise<ReplOutcome> {
  try {
    return await runCommand(command, context);
  } catch (error) {
    return errorOutcome(error instanceof Error ? error.message : String(error));
  }
}

async function runCommand(command: ReplCommand, { cluster, kv }: ReplContext): Promise<ReplOutcome> {
  switch (command.type) {
    case 'empty':
      return output('');
    case 'exit':
      return { kind: 'exit' };
    case 'help':
      return output(REPL_HELP);
    case 'status':
      return output(renderStatusTable(await cluster.status()));
    case 'logsize':
      return output(renderLogSizeTable(await cluster.status()));
    case 'snapshot': {
      if (cluster.snapshot === undefined) return errorOutcome('this cluster cannot take snapshots');
      const index = await cluster.snapshot(command.node ?? undefined);
      const who = command.node === null ? 'the leader' : `node ${command.node}`;
      return output(`${who} snapshotted at index ${index}; the log before it is compacted, less a retained tail (see logsize)`);
    }
    case 'kv':
      return output(await kv.run(command.name, command.args));
    case 'crash':
      await cluster.crash(command.node);
      return output(`node ${command.node} crashed`);
    case 'restart':
      await cluster.restart(command.node);
      return output(`node ${command.node} restarted`);
    case 'isolate':
      await cluster.isolate(command.node);
      return output(`node ${command.node} isolated`);
    case 'pause':
      await cluster.pause(command.node);
      return output(`node ${command.node} paused`);
    case 'resume':
      await cluster.resume(command.node);
      return output(`node ${command.node} resumed`);
    case 'partition':
      await cluster.partition(command.groups);
      return output(describePartition(command.groups, (await cluster.status()).map((node) => node.id)));
    case 'oneway':
      await cluster.partitionOneWay(command.from, command.to);
      return output(`messages from ${command.from} to ${command.to} are dropped`);
    case 'heal':
      await cluster.heal();
      return output('healed: every partition and cut removed (degraded links stay until link A B reset)');
    case 'link':
      await cluster.link(command.a, command.b).set(command.settings);
      return output(`link ${command.a}-${command.b}: ${describeSettings(command.settings)}`);
  }
}

function describeSettings(settings: Partial<LinkSettings>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
}

function output(text: string): ReplOutcome {
  return { kind: 'output', text, error: false };
}

function errorOutcome(message: string): ReplOutcome {
  const firstLine = message.split('\n')[0] ?? message;
  return { kind: 'output', text: `(error) ${firstLine}`, error: true };
}

/** The groups as the cluster now sees them (unlisted nodes are alone), and whether any can elect. */
export function describePartition(groups: readonly NodeId[][], nodeIds: readonly NodeId[]): string {
  const listed = new Set(groups.flat());
  const all = [...groups, ...nodeIds.filter((id) => !listed.has(id)).map((id) => [id])];
  const text = `partitioned: ${all.map((group) => `{${group.join(',')}}`).join(' | ')}`;
  const majority = Math.floor(nodeIds.length / 2) + 1;
  if (all.some((group) => group.length >= majority)) return text;
  return `${text}; no group holds a majority (${majority} of ${nodeIds.length}): no leader until heal`;
}
