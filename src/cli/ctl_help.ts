/**
 * The words `kv-sim ctl` takes: one list for its --help and for the error a mistyped one gets, so
 * the two always agree.
 */

// Short enough that a line fits 80 columns: yargs wraps a longer one back to the margin.
const CTL_COMMANDS: ReadonlyArray<readonly [usage: string, what: string]> = [
  ['status', 'role, term, indexes and leader of every node'],
  ['logsize', 'first/last log index, snapshot index, recovery time'],
  ['partition 1,2 3', 'split the nodes into groups that cannot talk'],
  ['oneway A B', 'drop messages from A to B only'],
  ['isolate N', 'cut node N off from every other node'],
  ['heal', 'remove every partition and cut (not degraded links)'],
  ['link A B KEY=VALUE ...', 'degrade a link: delay= jitter= loss= dup= reorder='],
  ['link A B reset', 'make the link between A and B healthy again'],
  ['pause N / resume N', "freeze node N's Raft / wake it again"],
  ['snapshot [N]', 'snapshot node N (default: the leader), compact its log'],
  ['crash N / restart N', "the node's process manager's job (ctl says how)"],
];

/** Every first word above ("pause N / resume N" gives pause and resume). */
export const CTL_VERBS: readonly string[] = [
  ...new Set(CTL_COMMANDS.flatMap(([usage]) => usage.split(' / ').map((form) => form.split(' ')[0] as string))),
];

/** The commands, one a line, for --help. */
export function ctlCommandList(): string {
  const width = Math.max(...CTL_COMMANDS.map(([usage]) => usage.length));
  return CTL_COMMANDS.map(([usage, what]) => `  ${usage.padEnd(width)}  ${what}`).join('\n');
}

/** The error for a word that is not a ctl command. */
export function unknownCtlCommand(word: string): string {
  return `unknown ctl command '${word}'; ctl takes ${CTL_VERBS.join(', ')} (kv-sim ctl --help shows their arguments); KV commands go to a node's client port (redis-cli, the HTTP API)`;
}
