/**
 * KvClient: the TypeScript client of a kv-sim cluster over the nodes' RESP ports.
 *
 *   const client = new KvClient({ nodes: ['redis://127.0.0.1:7001', '127.0.0.1:7002'] });
 *   await client.set('k', 'v');
 *   await client.get('k');                              // 'v', linearizable
 *   await client.get('k', { consistency: 'stale' });    // served from any node's own state
 *   await client.close();
 *
 * It finds the leader from not-leader hints, follows leader changes, keeps one lazily opened
 * connection per node and pipelines concurrent calls on it. Writes carry a session id and a
 * sequence number that a retry reuses, so a write retried after a lost reply or a leader change
 * applies once. Every call settles by its deadline (timeoutMs, default 5 s) with a result or a
 * typed error: KvTimeoutError, KvCommandError, KvSessionExpiredError, KvClosedError, KvArgumentError
 * (bad arguments too come back as a rejected promise; only the constructor throws).
 */
import { parseAddress } from './address.js';
import {
  checkKey,
  checkKeys,
  decodeCas,
  decodeInteger,
  decodeKeys,
  decodeNumber,
  decodeOk,
  decodeScan,
  decodeSetStored,
  decodeValue,
  decodeValues,
  toIntegerArgument,
  type CasResult,
  type CommandSpec,
  type KvInteger,
  type KvKey,
  type KvValue,
  type ScanPage,
  type ValueFormat,
} from './commands.js';
import { KvArgumentError } from './errors.js';
import { NodePool, type ReadConsistency } from './node_pool.js';
import { RequestRunner } from './request_runner.js';
import { ClientSession, MAX_SEQUENCE_SPAN } from './session.js';

export interface KvClientOptions {
  /** Node addresses: `redis://host:port` or `host:port`. Leaders named in hints are added. */
  nodes: readonly string[];
  /** Deadline of each call, retries included (default 5000). */
  timeoutMs?: number;
  /** Longest wait for one reply before trying another node (default 1000). */
  attemptTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Most sequence numbers between the oldest unfinished write and the newest (default 100). It
   * bounds writes in flight and must stay below the server's retry window (1024 by default), or a
   * retried write may come back SESSIONEXPIRED.
   */
  maxSequenceSpan?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export const KV_CLIENT_DEFAULTS = {
  timeoutMs: 5000,
  attemptTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  backoffBaseMs: 10,
  backoffMaxMs: 250,
} as const;

export interface CallOptions {
  /** This call's deadline, overriding the client's timeoutMs. */
  timeoutMs?: number;
}
export interface ReadOptions extends CallOptions {
  /** 'linearizable' (default): sees every write acknowledged before the call; 'stale': may lag. */
  consistency?: ReadConsistency;
}
export interface AsString {
  /** Values come back as UTF-8 text ('string', default) or as raw bytes ('bytes'). */
  as?: 'string';
}
export interface AsBytes {
  as: 'bytes';
}
export interface SetOptions extends CallOptions {
  /** Only set when the key is absent. */
  nx?: boolean;
  /** Only set when the key exists. */
  xx?: boolean;
}
export interface ScanOptions extends ReadOptions {
  /** A Redis glob pattern the keys must match. */
  match?: KvKey;
  /** How many keys to visit per page (a hint; default 10 on the server). */
  count?: number;
}

type Format = { as?: ValueFormat };
type KeysOrFirst = readonly KvKey[] | KvKey;

export class KvClient {
  private readonly pool: NodePool;
  private readonly runner: RequestRunner;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(options: KvClientOptions | readonly string[]) {
    const settings = isNodeList(options) ? { nodes: options } : options;
    if (!Array.isArray(settings.nodes) || settings.nodes.length === 0) {
      throw new KvArgumentError('KvClient needs at least one node address');
    }
    const nodes = settings.nodes.map((node) => parseAddress(node));
    const timeoutMs = positive(settings.timeoutMs, KV_CLIENT_DEFAULTS.timeoutMs, 'timeoutMs');
    this.timeoutMs = timeoutMs;
    this.pool = new NodePool(nodes, positive(settings.connectTimeoutMs, KV_CLIENT_DEFAULTS.connectTimeoutMs, 'connectTimeoutMs'));
    const span = positive(settings.maxSequenceSpan, MAX_SEQUENCE_SPAN, 'maxSequenceSpan');
    if (!Number.isSafeInteger(span)) throw new KvArgumentError(`maxSequenceSpan must be an integer, got ${span}`);
    this.runner = new RequestRunner(this.pool, new ClientSession(span), {
      attemptTimeoutMs: positive(settings.attemptTimeoutMs, KV_CLIENT_DEFAULTS.attemptTimeoutMs, 'attemptTimeoutMs'),
      backoffBaseMs: positive(settings.backoffBaseMs, KV_CLIENT_DEFAULTS.backoffBaseMs, 'backoffBaseMs'),
      backoffMaxMs: positive(settings.backoffMaxMs, KV_CLIENT_DEFAULTS.backoffMaxMs, 'backoffMaxMs'),
    });
  }

  /** The node the client currently sends writes to (`redis://host:port`), null while it looks for one. */
  get leader(): string | null {
    const leader = this.pool.leader;
    return leader === null ? null : `redis://${leader.key}`;
  }

  get(key: KvKey, options?: ReadOptions & AsString): Promise<string | null>;
  get(key: KvKey, options: ReadOptions & AsBytes): Promise<Uint8Array | null>;
  async get(key: KvKey, options: ReadOptions & Format = {}): Promise<string | Uint8Array | null> {
    return this.read({ name: 'GET', args: ['GET', checkKey(key)], write: false, decode: decodeValue('GET', format(options)) }, options);
  }

  /** SET: true when stored, false when nx/xx prevented it. With `get: true`, the old value instead. */
  set(key: KvKey, value: KvValue, options?: SetOptions & { get?: false }): Promise<boolean>;
  set(key: KvKey, value: KvValue, options: SetOptions & { get: true } & AsString): Promise<string | null>;
  set(key: KvKey, value: KvValue, options: SetOptions & { get: true } & AsBytes): Promise<Uint8Array | null>;
  async set(key: KvKey, value: KvValue, options: SetOptions & { get?: boolean } & Format = {}): Promise<boolean | string | Uint8Array | null> {
    if (options.nx === true && options.xx === true) throw new KvArgumentError('SET: nx and xx exclude each other');
    const args: Array<string | Uint8Array> = ['SET', checkKey(key), checkKey(value, 'value')];
    if (options.nx === true) args.push('NX');
    if (options.xx === true) args.push('XX');
    if (options.get === true) {
      args.push('GET');
      return this.write({ name: 'SET', args, write: true, decode: decodeValue('SET', format(options)) }, options);
    }
    return this.write({ name: 'SET', args, write: true, decode: decodeSetStored }, options);
  }

  /** DEL: how many of the keys existed. Takes keys as arguments or as one array (then options). */
  del(keys: readonly KvKey[], options?: CallOptions): Promise<number>;
  del(...keys: KvKey[]): Promise<number>;
  async del(first: KeysOrFirst, ...rest: unknown[]): Promise<number> {
    const { keys, options } = keysAndOptions('DEL', first, rest);
    return this.write({ name: 'DEL', args: ['DEL', ...keys], write: true, decode: decodeNumber('DEL') }, options);
  }

  /** EXISTS: how many of the keys exist (a key named twice counts twice, as in Redis). */
  exists(keys: readonly KvKey[], options?: ReadOptions): Promise<number>;
  exists(...keys: KvKey[]): Promise<number>;
  async exists(first: KeysOrFirst, ...rest: unknown[]): Promise<number> {
    const { keys, options } = keysAndOptions('EXISTS', first, rest);
    return this.read({ name: 'EXISTS', args: ['EXISTS', ...keys], write: false, decode: decodeNumber('EXISTS') }, options);
  }

  /** APPEND: the value's length after appending. */
  async append(key: KvKey, value: KvValue, options: CallOptions = {}): Promise<number> {
    const args = ['APPEND', checkKey(key), checkKey(value, 'value')];
    return this.write({ name: 'APPEND', args, write: true, decode: decodeNumber('APPEND') }, options);
  }

  /** INCR: the new value (a bigint beyond Number.MAX_SAFE_INTEGER). */
  async incr(key: KvKey, options: CallOptions = {}): Promise<KvInteger> {
    return this.write({ name: 'INCR', args: ['INCR', checkKey(key)], write: true, decode: decodeInteger('INCR') }, options);
  }

  async incrBy(key: KvKey, delta: number | bigint, options: CallOptions = {}): Promise<KvInteger> {
    const args = ['INCRBY', checkKey(key), toIntegerArgument(delta, 'INCRBY delta')];
    return this.write({ name: 'INCRBY', args, write: true, decode: decodeInteger('INCRBY') }, options);
  }

  /**
   * Compare-and-set: stores `value` only if the key holds `expected` (null: only if it is absent).
   * Says whether it swapped and what the key holds now.
   */
  cas(key: KvKey, expected: KvValue | null, value: KvValue, options?: CallOptions & AsString): Promise<CasResult<string>>;
  cas(key: KvKey, expected: KvValue | null, value: KvValue, options: CallOptions & AsBytes): Promise<CasResult<Uint8Array>>;
  async cas(key: KvKey, expected: KvValue | null, value: KvValue, options: CallOptions & Format = {}): Promise<CasResult<string | Uint8Array>> {
    const as = format(options);
    checkKey(value, 'value');
    if (expected === null) {
      // The server's CAS compares with a value; "create only" is SET NX, and GET tells what was there.
      const decodeOld = decodeValue<string | Uint8Array>('CAS', as);
      const args = ['SET', checkKey(key), value, 'NX', 'GET'];
      return this.write({ name: 'CAS', args, write: true, decode: (reply) => casFromOld(decodeOld(reply), value, as) }, options);
    }
    const args = ['CAS', checkKey(key), checkKey(expected, 'expected value'), value];
    return this.write({ name: 'CAS', args, write: true, decode: decodeCas<string | Uint8Array>(as) }, options);
  }

  /** MGET: one entry per key, null where absent. Takes keys as arguments or as one array (then options). */
  mget(keys: readonly KvKey[], options?: ReadOptions & AsString): Promise<Array<string | null>>;
  mget(keys: readonly KvKey[], options: ReadOptions & AsBytes): Promise<Array<Uint8Array | null>>;
  mget(...keys: KvKey[]): Promise<Array<string | null>>;
  async mget(first: KeysOrFirst, ...rest: unknown[]): Promise<Array<string | Uint8Array | null>> {
    const { keys, options } = keysAndOptions('MGET', first, rest);
    return this.read({ name: 'MGET', args: ['MGET', ...keys], write: false, decode: decodeValues('MGET', format(options)) }, options);
  }

  /** MSET: sets every pair in one write. */
  async mset(entries: Record<string, KvValue> | Iterable<readonly [KvKey, KvValue]>, options: CallOptions = {}): Promise<void> {
    const args: Array<string | Uint8Array> = ['MSET'];
    const pairs = isIterable(entries) ? entries : Object.entries(entries);
    for (const [key, value] of pairs) args.push(checkKey(key), checkKey(value, 'value'));
    if (args.length === 1) throw new KvArgumentError('MSET needs at least one key and value');
    return this.write({ name: 'MSET', args, write: true, decode: decodeOk('MSET') }, options);
  }

  /** KEYS: every key matching a Redis glob pattern, in byte order. */
  keys(pattern?: KvKey, options?: ReadOptions & AsString): Promise<string[]>;
  keys(pattern: KvKey, options: ReadOptions & AsBytes): Promise<Uint8Array[]>;
  async keys(pattern: KvKey = '*', options: ReadOptions & Format = {}): Promise<Array<string | Uint8Array>> {
    const args = ['KEYS', checkKey(pattern, 'pattern')];
    return this.read({ name: 'KEYS', args, write: false, decode: decodeKeys('KEYS', format(options)) }, options);
  }

  /** SCAN: one page of keys; start with cursor 0 and stop when the returned cursor is 0. */
  scan(cursor?: number | string, options?: ScanOptions & AsString): Promise<ScanPage<string>>;
  scan(cursor: number | string, options: ScanOptions & AsBytes): Promise<ScanPage<Uint8Array>>;
  async scan(cursor: number | string = 0, options: ScanOptions & Format = {}): Promise<ScanPage<string | Uint8Array>> {
    const args: Array<string | Uint8Array> = ['SCAN', toIntegerArgument(cursor, 'SCAN cursor')];
    if (options.match !== undefined) args.push('MATCH', checkKey(options.match, 'match pattern'));
    if (options.count !== undefined) args.push('COUNT', toIntegerArgument(options.count, 'SCAN count'));
    return this.read({ name: 'SCAN', args, write: false, decode: decodeScan(format(options)) }, options);
  }

  /** Every key, page by page (SCAN until the cursor comes back 0). */
  async *scanAll(options: ScanOptions & AsString = {}): AsyncGenerator<string> {
    let cursor = 0;
    do {
      const page = await this.scan(cursor, options);
      yield* page.keys;
      cursor = page.cursor;
    } while (cursor !== 0);
  }

  async dbsize(options: ReadOptions = {}): Promise<number> {
    return this.read({ name: 'DBSIZE', args: ['DBSIZE'], write: false, decode: decodeNumber('DBSIZE') }, options);
  }

  async strlen(key: KvKey, options: ReadOptions = {}): Promise<number> {
    return this.read({ name: 'STRLEN', args: ['STRLEN', checkKey(key)], write: false, decode: decodeNumber('STRLEN') }, options);
  }

  /** Fails calls in flight with KvClosedError and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.runner.close();
    this.pool.close();
  }

  private write<T>(spec: CommandSpec<T>, options: CallOptions): Promise<T> {
    return this.runner.run(spec, { timeoutMs: this.deadline(options), consistency: 'linearizable' });
  }

  private read<T>(spec: CommandSpec<T>, options: ReadOptions): Promise<T> {
    const consistency = options.consistency ?? 'linearizable';
    if (consistency !== 'linearizable' && consistency !== 'stale') {
      throw new KvArgumentError(`${spec.name}: consistency must be 'linearizable' or 'stale'`);
    }
    return this.runner.run(spec, { timeoutMs: this.deadline(options), consistency });
  }

  private deadline(options: CallOptions): number {
    return options.timeoutMs === undefined ? this.timeoutMs : positive(options.timeoutMs, this.timeoutMs, 'timeoutMs');
  }
}

function isNodeList(options: KvClientOptions | readonly string[]): options is readonly string[] {
  return Array.isArray(options);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new KvArgumentError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function format(options: Format): ValueFormat {
  return options.as === 'bytes' ? 'bytes' : 'string';
}

function isIterable(value: object): value is Iterable<readonly [KvKey, KvValue]> {
  return Symbol.iterator in value;
}

/** Variadic keys (`del('a', 'b')`) or an array of keys followed by options (`del(['a'], {...})`). */
function keysAndOptions(name: string, first: KeysOrFirst | undefined, rest: unknown[]): { keys: KvKey[]; options: ReadOptions & Format } {
  if (Array.isArray(first)) {
    const options = (rest[0] ?? {}) as ReadOptions & Format;
    return { keys: checkKeys(name, first), options };
  }
  return { keys: checkKeys(name, first === undefined ? rest : [first, ...rest]), options: {} };
}

function casFromOld<V>(old: V | null, value: KvValue, as: ValueFormat): CasResult<V> {
  if (old !== null) return { swapped: false, current: old };
  const stored = as === 'bytes' ? (typeof value === 'string' ? new TextEncoder().encode(value) : value) : typeof value === 'string' ? value : new TextDecoder().decode(value);
  return { swapped: true, current: stored as V };
}
