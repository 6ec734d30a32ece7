/**
 * The semantics of each command against a key space, with Redis' replies and error texts.
 * Pure functions of (state, command): the same on every replica.
 */
import { unreachable } from '../lib/assert.js';
import { parseBigInteger } from '../lib/resp/decimal.js';
import { KV_ERRORS, type Bytes, type KvRead, type KvResult, type KvWrite } from './commands.js';
import { keyString, type KeySpace } from './key_space.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const textEncoder = new TextEncoder();

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
    case 'keys':
      return { type: 'keys', keys: space.keys(command.pattern) };
    case 'scan': {
      const page = space.scan(command.cursor, Math.max(1, command.count), command.match);
      return { type: 'scan', cursor: page.cursor, keys: page.keys };
    }
    case 'dbsize':
      return integer(space.size);
    case 'strlen':
      return integer(space.get(command.key)?.length ?? 0);
    default:
      return unreachable(command, 'read command');
  }
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
