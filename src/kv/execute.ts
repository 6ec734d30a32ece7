/**
 * The semantics of each command against a key space, with Redis' replies and error texts.
 * Pure functions of (state, command): the same on every replica.
 */
import { unreachable } from '../lib/assert.js';
import { parseBigInteger } from '../lib/resp/decimal.js';
import { KV_ERRORS, type Bytes, type KvRead, type KvResult, type KvWrite } from './commands.js';
import { GlobMatcher } from './glob.js';
import { keyString, type KeySpace } from './key_space.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const textEncoder = new TextEncoder();

/**
 * How many times one KEYS or SCAN command may compare a key byte it already compared (glob.ts),
 * over all the keys it examines. Normal patterns re-read next to nothing (`*42*` over a million
 * `user:N` keys: about 0.4 a key); a pathological pattern spends this in 15 to 30 ms on two busy
 * cores (5 to 10 ns a comparison), where the unbounded match held the node for tens of seconds.
 */
export const MATCH_REREAD_COMPARISONS_PER_COMMAND_MAX = 3_000_000;

/**
 * Keys one SCAN examines at most, whatever its COUNT (a hint in Redis too): SCAN COUNT 100000 over
 * 100k keys held the node 50-230 ms, and on fast timing that deposed the leader; 10,000 take ~3 ms.
 */
export const SCAN_COUNT_MAX = 10_000;

const OK: KvResult = { type: 'ok' };
const NULL: KvResult = { type: 'null' };

function integer(value: number | bigint): KvResult {
  return { type: 'integer', value: BigInt(value) };
}

function optional(value: Bytes | undefined): KvResult {
  return value === undefined ? NULL : { type: 'bulk', value };
}

export function executeWrite(space: KeySpace, command: KvWrite): KvResult {
  switch (command.type) {
    case 'set':
      return executeSet(space, command);
    case 'del': {
      let removed = 0;
      for (const key of command.keys) if (space.delete(key)) removed++;
      return integer(removed);
    }
    case 'append': {
      const current = space.get(command.key);
      const next = current === undefined ? command.value.slice() : concat(current, command.value);
      space.set(command.key, next);
      return integer(next.length);
    }
    case 'incrby':
      return executeIncrBy(space, command.key, command.delta);
    case 'cas': {
      const current = space.get(command.key) ?? null;
      const matches = command.expected === null ? current === null : current !== null && equalBytes(current, command.expected);
      if (!matches) return { type: 'cas', swapped: false, current };
      space.set(command.key, command.value);
      return { type: 'cas', swapped: true, current: command.value };
    }
    case 'mset':
      for (const entry of command.entries) space.set(entry.key, entry.value);
      return OK;
    default:
      return unreachable(command, 'write command');
  }
}

function executeSet(space: KeySpace, command: Extract<KvWrite, { type: 'set' }>): KvResult {
  const name = keyString(command.key);
  // A plain SET neither checks nor returns the old value: no lookup.
  const old = command.condition === 'always' && !command.returnOld ? undefined : space.getByName(name);
  const allowed =
    command.condition === 'always' || (command.condition === 'nx' ? old === undefined : old !== undefined);
  if (allowed) space.setByName(name, command.value);
  if (command.returnOld) return optional(old);
  return allowed ? OK : NULL;
}

function executeIncrBy(space: KeySpace, key: Bytes, delta: bigint): KvResult {
  const current = space.get(key);
  let value = 0n;
  if (current !== undefined) {
    const parsed = parseBigInteger(current);
    if (parsed === null || parsed < INT64_MIN || parsed > INT64_MAX) return { type: 'error', message: KV_ERRORS.notInteger };
    value = parsed;
  }
  const next = value + delta;
  if (next < INT64_MIN || next > INT64_MAX) return { type: 'error', message: KV_ERRORS.overflow };
  space.set(key, textEncoder.encode(next.toString()));
  return integer(next);
}

export function executeRead(space: KeySpace, command: KvRead): KvResult {
  switch (command.type) {
    case 'get':
      return optional(space.get(command.key));
    case 'exists': {
      let found = 0;
      for (const key of command.keys) if (space.has(key)) found++;
      return integer(found);
    }
    case 'mget':
      return { type: 'values', values: command.keys.map((key) => space.get(key) ?? null) };
    case 'keys': {
      const matcher = new GlobMatcher(command.pattern, MATCH_REREAD_COMPARISONS_PER_COMMAND_MAX);
      const keys = space.keys(matcher);
      return keys === null ? patternTooCostly('KEYS') : { type: 'keys', keys };
    }
    case 'scan': {
      const matcher = command.match === null ? null : new GlobMatcher(command.match, MATCH_REREAD_COMPARISONS_PER_COMMAND_MAX);
      const page = space.scan(command.cursor, Math.min(SCAN_COUNT_MAX, Math.max(1, command.count)), matcher);
      return page === null ? patternTooCostly('SCAN MATCH') : { type: 'scan', cursor: page.cursor, keys: page.keys };
    }
    case 'dbsize':
      return integer(space.size);
    case 'strlen':
      return integer(space.get(command.key)?.length ?? 0);
    default:
      return unreachable(command, 'read command');
  }
}

/** Not a Redis error: Redis has no bound and would block; the text says what to change. */
function patternTooCostly(command: 'KEYS' | 'SCAN MATCH'): KvResult {
  return {
    type: 'error',
    message:
      `ERR ${command} pattern too costly to match: gave up after re-reading key bytes ${MATCH_REREAD_COMPARISONS_PER_COMMAND_MAX} times ` +
      `(a long pattern after '*' backtracks over long keys); use a shorter or simpler pattern`,
  };
}

export function concat(a: Bytes, b: Bytes): Bytes {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
