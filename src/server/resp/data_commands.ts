/**
 * Parses the key-value commands of RESP (GET, SET, INCR, ...) into state machine commands, with
 * Redis' argument checks and error texts. Each parsed command knows how to render its result,
 * because a few commands (SETNX, SCAN) reply differently from the generic result form.
 */
import type { KvCommand, KvResult } from '../../kv/commands.js';
import { parseBigInteger, parseSafeInteger } from '../../lib/resp/decimal.js';
import { fromUtf8, resp, type RespValue } from '../../lib/resp/resp_types.js';
import { renderResult } from './replies.js';

export type Render = (result: KvResult) => RespValue;

export type ParsedData = { ok: true; command: KvCommand; render: Render } | { ok: false; error: string };

type Parser = (args: Uint8Array[]) => ParsedData;

interface Spec {
  /** Redis arity: n > 0 exactly n arguments (name included), n < 0 at least -n. */
  arity: number;
  parse: Parser;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SYNTAX = 'ERR syntax error';
const NOT_INTEGER = 'ERR value is not an integer or out of range';

function ok(command: KvCommand, render: Render = renderResult): ParsedData {
  return { ok: true, command, render };
}

function fail(error: string): ParsedData {
  return { ok: false, error };
}

function arg(args: Uint8Array[], i: number): Uint8Array {
  return args[i] as Uint8Array;
}

function word(bytes: Uint8Array | undefined): string {
  return bytes === undefined || bytes.length > 16 ? '' : fromUtf8(bytes).toLowerCase();
}

function int64(bytes: Uint8Array): bigint | null {
  const value = parseBigInteger(bytes);
  return value === null || value < INT64_MIN || value > INT64_MAX ? null : value;
}

function incrBy(sign: 1n | -1n, fixed: bigint | null): Parser {
  return (args) => {
    let delta = fixed;
    if (delta === null) {
      delta = int64(arg(args, 2));
      if (delta === null) return fail(NOT_INTEGER);
      if (sign === -1n && delta === INT64_MIN) return fail('ERR decrement would overflow');
    }
    return ok({ type: 'incrby', key: arg(args, 1), delta: sign * delta });
  };
}

function parseSet(args: Uint8Array[]): ParsedData {
  let condition: 'always' | 'nx' | 'xx' = 'always';
  let returnOld = false;
  for (let i = 3; i < args.length; i++) {
    const option = word(args[i]);
    if (option === 'nx' && condition !== 'xx') condition = 'nx';
    else if (option === 'xx' && condition !== 'nx') condition = 'xx';
    else if (option === 'get') returnOld = true;
    else if (option === 'keepttl') continue; // no key expires here, so keeping the TTL is a no-op
    else if (['ex', 'px', 'exat', 'pxat'].includes(option)) return fail('ERR expiry options are not supported by kv-sim');
    else return fail(SYNTAX);
  }
  return ok({ type: 'set', key: arg(args, 1), value: arg(args, 2), condition, returnOld });
}

function parseScan(args: Uint8Array[]): ParsedData {
  const cursor = parseSafeInteger(arg(args, 1));
  if (cursor === null || cursor < 0) return fail('ERR invalid cursor');
  let match: Uint8Array | null = null;
  let count = 10;
  for (let i = 2; i < args.length; i += 2) {
    const option = word(args[i]);
    const value = args[i + 1];
    if (value === undefined) return fail(SYNTAX);
    if (option === 'match') match = value;
    else if (option === 'count') {
      const parsed = parseSafeInteger(value);
      if (parsed === null) return fail(NOT_INTEGER);
      if (parsed < 1) return fail(SYNTAX);
      count = parsed;
    } else if (option === 'type') {
      if (word(value) !== 'string') match = new Uint8Array([0x5b, 0x5d]); // `[]` matches nothing: only strings exist
    } else return fail(SYNTAX);
  }
  return ok({ type: 'scan', cursor, match, count });
}

const setnxRender: Render = (result) => (result.type === 'ok' ? resp.integer(1) : result.type === 'null' ? resp.integer(0) : renderResult(result));

export const DATA_COMMANDS: ReadonlyMap<string, Spec> = new Map<string, Spec>([
  ['get', { arity: 2, parse: (a) => ok({ type: 'get', key: arg(a, 1) }) }],
  ['set', { arity: -3, parse: parseSet }],
  ['setnx', { arity: 3, parse: (a) => ok({ type: 'set', key: arg(a, 1), value: arg(a, 2), condition: 'nx', returnOld: false }, setnxRender) }],
  ['getset', { arity: 3, parse: (a) => ok({ type: 'set', key: arg(a, 1), value: arg(a, 2), condition: 'always', returnOld: true }) }],
  ['del', { arity: -2, parse: (a) => ok({ type: 'del', keys: a.slice(1) }) }],
  ['unlink', { arity: -2, parse: (a) => ok({ type: 'del', keys: a.slice(1) }) }],
  ['exists', { arity: -2, parse: (a) => ok({ type: 'exists', keys: a.slice(1) }) }],
  ['append', { arity: 3, parse: (a) => ok({ type: 'append', key: arg(a, 1), value: arg(a, 2) }) }],
  ['incr', { arity: 2, parse: incrBy(1n, 1n) }],
  ['decr', { arity: 2, parse: incrBy(-1n, 1n) }],
  ['incrby', { arity: 3, parse: incrBy(1n, null) }],
  ['decrby', { arity: 3, parse: incrBy(-1n, null) }],
  ['cas', { arity: 4, parse: (a) => ok({ type: 'cas', key: arg(a, 1), expected: arg(a, 2), value: arg(a, 3) }) }],
  ['mget', { arity: -2, parse: (a) => ok({ type: 'mget', keys: a.slice(1) }) }],
  [
    'mset',
    {
      arity: -3,
      parse: (a) => {
        if (a.length % 2 === 0) return fail("ERR wrong number of arguments for 'mset' command");
        const entries: Array<{ key: Uint8Array; value: Uint8Array }> = [];
        for (let i = 1; i < a.length; i += 2) entries.push({ key: arg(a, i), value: arg(a, i + 1) });
        return ok({ type: 'mset', entries });
      },
    },
  ],
  ['keys', { arity: 2, parse: (a) => ok({ type: 'keys', pattern: arg(a, 1) }) }],
  ['scan', { arity: -2, parse: parseScan }],
  ['dbsize', { arity: 1, parse: () => ok({ type: 'dbsize' }) }],
  ['strlen', { arity: 2, parse: (a) => ok({ type: 'strlen', key: arg(a, 1) }) }],
]);

export function arityError(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

/** Parses a data command whose lower-case name is in DATA_COMMANDS. */
export function parseDataCommand(name: string, args: Uint8Array[]): ParsedData {
  const spec = DATA_COMMANDS.get(name);
  if (spec === undefined) return fail(`ERR unknown command '${name}'`);
  if (spec.arity > 0 ? args.length !== spec.arity : args.length < -spec.arity) return fail(arityError(name));
  return spec.parse(args);
}
