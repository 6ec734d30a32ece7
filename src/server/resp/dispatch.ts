/**
 * Dispatch of RESP requests: key-value commands become state machine items (data_commands.ts);
 * server commands (PING, HELLO, CLIENT, INFO, ...) are answered here, on the connection.
 *
 * ==== kv-sim's RESP extensions: the contract with clients (src/client, redis-cli, ioredis) ====
 *
 * EXACTLY-ONCE WRITES
 *   CLIENT SESSION <client-id>    once per connection (on any node; after a reconnect, send it again
 *                                 with the same id). <client-id>: 1-128 bytes of printable ASCII,
 *                                 chosen by the client (random, e.g. 16 hex chars). Replies +OK.
 *   SEQ <n> <command> [args...]   wraps one write. <n> is a positive integer the client raises by one
 *                                 for each NEW write of its session, starting at 1, and reuses when
 *                                 it RETRIES that write (after -TIMEOUT, -NOTLEADER, -TRYAGAIN or a
 *                                 lost connection). The state machine applies each (client-id, n)
 *                                 once and answers a retry with the first reply. A read wrapped in
 *                                 SEQ runs normally (n ignored). Writes without SEQ have no dedup.
 *   -SESSIONEXPIRED <text>        the session was evicted (bounded table, least recently used goes;
 *                                 every later write of that id is refused), or <n> is more than the
 *                                 retry window (1024) below the session's highest sequence, or a
 *                                 never-seen session starts above 1024: that write's outcome is
 *                                 unknown; use a new id (rules: src/kv/session_table.ts).
 *   -ERR no client session <text> SEQ before CLIENT SESSION.
 *
 * FOLLOWERS: FORWARDING (default) OR REDIRECTS (per connection)
 *   By default a node that is not the leader forwards writes and linearizable reads to the leader
 *   (one pooled connection per leader, src/server/forward) and relays the reply: plain redis-cli,
 *   redis-benchmark and ioredis work against any node. Stale reads (READONLY) never travel.
 *   CLIENT REDIRECT on            this connection wants redirects instead: a follower answers
 *                                 -NOTLEADER (below) and the client goes to the leader itself
 *                                 (one hop less; what a leader-aware client like src/client wants).
 *   CLIENT REDIRECT off           back to forwarding.
 *
 * CLUSTER ERRORS (the first word is stable; parse the rest with a regex)
 *   -NOTLEADER leader=<id> addr=<host:port>   (redirect mode) this node is not the leader and did
 *                                 not forward: retry at addr. When no leader is known:
 *                                 `-NOTLEADER leader=0 addr=` (retry later or on another node).
 *   -TRYAGAIN request dropped: <text>  nothing was applied; retry. Leadership changed before the
 *                                 request was appended, a queue was full, or (forwarding mode) no
 *                                 leader is known yet (an election is in progress).
 *   -TIMEOUT <text>               no answer in time, or (forwarding mode) leadership moved after the
 *                                 write was appended: it may or may not have been applied; retry it
 *                                 with the same SEQ to settle it safely.
 *   -UNAVAILABLE <text>           the node is stopping.
 *
 * READ CONSISTENCY (per connection, like Redis Cluster's replica reads)
 *   READONLY                      later reads may be answered from this node's state (stale).
 *   READWRITE                     back to linearizable reads (the default).
 *
 * EXTRA COMMAND
 *   CAS <key> <expected> <new>    sets <new> only if the key holds <expected>. Replies [1, <new>]
 *                                 when swapped, [0, <current value or nil>] when not. To create a
 *                                 missing key only, use SET <key> <value> NX.
 *
 * KVSIM.FORWARD WRITE|READ <bytes>  node-to-node forwarding (src/server/forward/forward_protocol.ts).
 *
 * INFO `replication` section: role:<leader|follower|candidate|pre-candidate>, node_id, leader_id,
 * leader_addr, raft_term, commit_index, applied_index.
 *
 * PIPELINES: requests of one connection run in order. While one proposal or read is in flight,
 * the data commands that arrive queue up and go as ONE proposal (if any of them writes; reads in
 * it then go through the log too, keeping their order) or ONE read (if none writes).
 */
import type { KvItem } from '../../kv/commands.js';
import { isWrite } from '../../kv/commands.js';
import { globMatch } from '../../kv/glob.js';
import { parseSafeInteger } from '../../lib/resp/decimal.js';
import { fromUtf8, resp, type RespProtocol, type RespValue } from '../../lib/resp/resp_types.js';
import type { ReadConsistency } from '../../node/types.js';
import type { KvBackend } from './backend.js';
import { arityError, DATA_COMMANDS, parseDataCommand, type Render } from './data_commands.js';
import { infoText } from './info.js';

export const RESP_CLIENT_ID_MAX_BYTES = 128;
/** The Redis version we answer with: tools check it to pick command forms. */
export const REDIS_COMPAT_VERSION = '7.0.0';

export interface ConnectionState {
  id: number;
  name: string | null;
  protocol: RespProtocol;
  sessionId: string | null;
  consistency: ReadConsistency;
  /** CLIENT REDIRECT on: answer NOTLEADER instead of forwarding to the leader. */
  redirect: boolean;
}

export interface ServerContext {
  backend: KvBackend;
  connectedClients(): number;
}

export type Classified =
  | { kind: 'data'; item: KvItem; write: boolean; render: Render }
  | { kind: 'reply'; value: RespValue }
  | { kind: 'quit' };

/** The lower-case command name ('' when absent or too long). Once per request: it is on the hot path. */
export function commandName(args: readonly Uint8Array[]): string {
  const first = args[0];
  if (first === undefined || first.length > 32) return '';
  let name = '';
  for (let i = 0; i < first.length; i++) {
    const c = first[i] as number;
    // Not ASCII: no command has such a name, it only shows in an error text, decoded as before.
    if (c >= 0x80) return fromUtf8(first).toLowerCase();
    name += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return name;
}

/** Data commands (and SEQ) are batched; everything else runs alone, in order. */
export function isDataRequest(name: string): boolean {
  return name === 'seq' || DATA_COMMANDS.has(name);
}

/** A data request (named `name`) into a state machine item, or the error to reply. Does not change state. */
export function classifyData(args: Uint8Array[], state: ConnectionState, name = commandName(args)): Classified {
  let sequence: number | null = null;
  let commandArgs = args;
  let commandArgsName = name;
  if (name === 'seq') {
    if (args.length < 3) return error(arityError('seq'));
    if (state.sessionId === null) return error('ERR no client session: send CLIENT SESSION <client-id> first');
    sequence = parseSafeInteger(args[1] as Uint8Array);
    if (sequence === null || sequence < 1) return error('ERR SEQ needs a positive integer sequence number');
    commandArgs = args.slice(2);
    commandArgsName = commandName(commandArgs);
    if (!DATA_COMMANDS.has(commandArgsName)) return error(`ERR SEQ cannot wrap '${commandArgsName}'`);
  }
  const parsed = parseDataCommand(commandArgsName, commandArgs);
  if (!parsed.ok) return error(parsed.error);
  const write = isWrite(parsed.command);
  const session = write && sequence !== null && state.sessionId !== null ? { clientId: state.sessionId, sequence } : null;
  return { kind: 'data', item: { session, command: parsed.command }, write, render: parsed.render };
}

function error(message: string): Classified {
  return { kind: 'reply', value: resp.error(message) };
}

function reply(value: RespValue): Classified {
  return { kind: 'reply', value };
}

/** Runs a server command; may change the connection's state (HELLO, CLIENT, READONLY). */
export function runServerCommand(args: Uint8Array[], state: ConnectionState, context: ServerContext): Classified {
  const name = commandName(args);
  switch (name) {
    case 'ping':
      if (args.length > 2) return error(arityError('ping'));
      return reply(args.length === 2 ? resp.bulk(args[1] as Uint8Array) : resp.simple('PONG'));
    case 'echo':
      return args.length === 2 ? reply(resp.bulk(args[1] as Uint8Array)) : error(arityError('echo'));
    case 'quit':
      return { kind: 'quit' };
    case 'hello':
      return runHello(args, state, context);
    case 'client':
      return runClient(args, state);
    case 'select': {
      if (args.length !== 2) return error(arityError('select'));
      const db = parseSafeInteger(args[1] as Uint8Array);
      if (db === null) return error('ERR value is not an integer or out of range');
      return db === 0 ? reply(resp.ok()) : error('ERR DB index is out of range');
    }
    case 'readonly':
      state.consistency = 'stale';
      return reply(resp.ok());
    case 'readwrite':
      state.consistency = 'linearizable';
      return reply(resp.ok());
    case 'command':
      return runCommandCommand(args);
    case 'config':
      return runConfig(args);
    case 'info':
      return reply(resp.bulk(infoText(args.slice(1).map((a) => fromUtf8(a).toLowerCase()), context)));
    case 'auth':
      return error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    default:
      return error(unknownCommand(args));
  }
}

export function unknownCommand(args: readonly Uint8Array[]): string {
  const name = fromUtf8((args[0] ?? new Uint8Array()).subarray(0, 128));
  const rest = args
    .slice(1)
    .map((a) => `'${fromUtf8(a.subarray(0, 128))}' `)
    .join('')
    .slice(0, 128);
  return `ERR unknown command '${name}', with args beginning with: ${rest}`;
}

function runHello(args: Uint8Array[], state: ConnectionState, context: ServerContext): Classified {
  let protocol = state.protocol;
  let name = state.name;
  if (args.length >= 2) {
    const version = parseSafeInteger(args[1] as Uint8Array);
    if (version === null) return error('ERR Protocol version is not an integer or out of range');
    if (version !== 2 && version !== 3) return error('NOPROTO unsupported protocol version');
    protocol = version;
  }
  for (let i = 2; i < args.length; i++) {
    const option = fromUtf8(args[i] as Uint8Array).toLowerCase();
    if (option === 'auth' && i + 2 < args.length) i += 2; // no users yet: the default user takes any password
    else if (option === 'setname' && i + 1 < args.length) {
      const requested = validName(args[++i] as Uint8Array);
      if (requested === null) return error('ERR Client names cannot contain spaces, newlines or special characters.');
      name = requested;
    } else return error(`ERR Syntax error in HELLO option '${option}'`);
  }
  state.protocol = protocol;
  state.name = name;
  const info = context.backend.info();
  return reply(
    resp.map([
      [resp.bulk('server'), resp.bulk('redis')],
      [resp.bulk('version'), resp.bulk(REDIS_COMPAT_VERSION)],
      [resp.bulk('proto'), resp.integer(protocol)],
      [resp.bulk('id'), resp.integer(state.id)],
      [resp.bulk('mode'), resp.bulk('standalone')],
      [resp.bulk('role'), resp.bulk(info.role === 'leader' ? 'master' : 'replica')],
      [resp.bulk('modules'), resp.array([])],
    ]),
  );
}

function validName(bytes: Uint8Array): string | null {
  for (const byte of bytes) if (byte <= 0x20 || byte > 0x7e) return null;
  return fromUtf8(bytes);
}

function runClient(args: Uint8Array[], state: ConnectionState): Classified {
  if (args[1] === undefined) return error(arityError('client'));
  const sub = fromUtf8(args[1]).toLowerCase();
  switch (sub) {
    case 'id':
      return reply(resp.integer(state.id));
    case 'getname':
      return reply(state.name === null ? resp.null() : resp.bulk(state.name));
    case 'setname': {
      if (args.length !== 3) return error(arityError('client|setname'));
      const name = validName(args[2] as Uint8Array);
      if (name === null) return error('ERR Client names cannot contain spaces, newlines or special characters.');
      state.name = name.length === 0 ? null : name;
      return reply(resp.ok());
    }
    case 'setinfo':
      return args.length === 4 ? reply(resp.ok()) : error(arityError('client|setinfo'));
    case 'session': {
      if (args.length !== 3) return error(arityError('client|session'));
      const id = args[2] as Uint8Array;
      const valid = id.length >= 1 && id.length <= RESP_CLIENT_ID_MAX_BYTES && validName(id) !== null;
      if (!valid) return error(`ERR client session id must be 1-${RESP_CLIENT_ID_MAX_BYTES} printable ASCII bytes without spaces`);
      state.sessionId = fromUtf8(id);
      return reply(resp.ok());
    }
    case 'redirect': {
      const mode = args[2] === undefined || args.length !== 3 ? '' : fromUtf8(args[2]).toLowerCase();
      if (mode !== 'on' && mode !== 'off') return error("ERR CLIENT REDIRECT needs 'on' or 'off'");
      state.redirect = mode === 'on';
      return reply(resp.ok());
    }
    case 'info':
      return reply(
        resp.bulk(
          `id=${state.id} name=${state.name ?? ''} db=0 resp=${state.protocol} session=${state.sessionId ?? ''} redirect=${state.redirect ? 'on' : 'off'}\n`,
        ),
      );
    default:
      return error(`ERR unknown subcommand '${sub}'. Try CLIENT HELP.`);
  }
}

function runCommandCommand(args: Uint8Array[]): Classified {
  const sub = args[1] === undefined ? '' : fromUtf8(args[1]).toLowerCase();
  // Enough for redis-cli, which asks for COMMAND DOCS at start: empty answers are allowed.
  if (sub === 'count') return reply(resp.integer(0));
  if (sub === 'docs') return reply(resp.map([]));
  if (sub === 'info') return reply(resp.array(args.slice(2).map(() => resp.null())));
  return reply(resp.array([]));
}

/** Read-only answers for the parameters tools ask about (redis-benchmark asks save and appendonly). */
const CONFIG_VALUES: ReadonlyArray<[string, string]> = [
  ['save', ''],
  ['appendonly', 'yes'],
  ['databases', '1'],
  ['maxmemory', '0'],
];

function runConfig(args: Uint8Array[]): Classified {
  if (args[1] === undefined) return error(arityError('config'));
  const sub = fromUtf8(args[1]).toLowerCase();
  if (sub === 'resetstat') return reply(resp.ok());
  if (sub === 'set') return error('ERR CONFIG SET is not supported by kv-sim');
  if (sub !== 'get') return error(`ERR unknown subcommand '${sub}'. Try CONFIG HELP.`);
  if (args.length < 3) return error(arityError('config|get'));
  const entries: Array<[RespValue, RespValue]> = [];
  for (const [key, value] of CONFIG_VALUES) {
    if (args.slice(2).some((pattern) => globMatch(lower(pattern), new TextEncoder().encode(key)))) {
      entries.push([resp.bulk(key), resp.bulk(value)]);
    }
  }
  return reply(resp.map(entries));
}

function lower(bytes: Uint8Array): Uint8Array {
  return bytes.map((byte) => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte));
}
