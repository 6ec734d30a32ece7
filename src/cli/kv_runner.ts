/**
 * Sends the REPL's KV commands through the TypeScript client (which finds the leader, retries
 * safely and deduplicates writes) and renders replies the way redis-cli does:
 * OK, "value", (nil), (integer) 3, numbered lists.
 */
import type { KvClient } from '../client/kv_client.js';
import type { KvRunner } from './repl_exec.js';

/** The client methods the REPL uses. */
export type ReplKvClient = Pick<
  KvClient,
  'get' | 'set' | 'del' | 'exists' | 'append' | 'incr' | 'incrBy' | 'mget' | 'cas' | 'keys' | 'strlen' | 'dbsize'
>;

type Handler = (client: ReplKvClient, args: string[]) => Promise<string>;

/** One entry per command the parser accepts (see KV_ARITY in repl_parse.ts). */
const HANDLERS: Record<string, Handler> = {
  SET: async (client, [key, value]) => ((await client.set(need(key), need(value))) ? 'OK' : '(nil)'),
  GET: async (client, [key]) => renderValue(await client.get(need(key))),
  DEL: async (client, keys) => renderValue(await client.del(keys)),
  EXISTS: async (client, keys) => renderValue(await client.exists(keys)),
  APPEND: async (client, [key, value]) => renderValue(await client.append(need(key), need(value))),
  INCR: async (client, [key]) => renderValue(await client.incr(need(key))),
  INCRBY: async (client, [key, delta]) => renderValue(await client.incrBy(need(key), parseDelta(need(delta)))),
  MGET: async (client, keys) => renderValue(await client.mget(keys)),
  CAS: async (client, [key, expected, value]) => {
    const result = await client.cas(need(key), need(expected), need(value));
    return `${result.swapped ? 'swapped' : 'not swapped'}, now ${renderValue(result.current)}`;
  },
  KEYS: async (client, [pattern]) => renderValue(await client.keys(pattern ?? '*')),
  STRLEN: async (client, [key]) => renderValue(await client.strlen(need(key))),
  DBSIZE: async (client) => renderValue(await client.dbsize()),
};

/** `unavailable` (a client that could not be made) turns every KV command into that error. */
export function createKvRunner(client: ReplKvClient | { unavailable: string }): KvRunner {
  return {
    async run(name, args) {
      if ('unavailable' in client) throw new Error(`KV commands are unavailable: ${client.unavailable}`);
      const handler = HANDLERS[name];
      if (handler === undefined) throw new Error(`${name} is not supported by the REPL`);
      return handler(client, args);
    },
  };
}

/** The parser checked the arity already; this only satisfies the index-access checks. */
function need(arg: string | undefined): string {
  if (arg === undefined) throw new Error('missing argument');
  return arg;
}

function parseDelta(text: string): number | bigint {
  if (!/^-?\d+$/.test(text)) throw new Error(`increment must be an integer, got '${text}'`);
  const value = BigInt(text);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** redis-cli style rendering of a reply value. */
export function renderValue(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return '(nil)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return JSON.stringify(new TextDecoder().decode(value));
  if (typeof value === 'number' || typeof value === 'bigint') return `(integer) ${String(value)}`;
  if (typeof value === 'boolean') return `(integer) ${value ? 1 : 0}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '(empty array)';
    const width = String(value.length).length;
    return value
      .map((item, i) => {
        const label = `${String(i + 1).padStart(width)}) `;
        return `${i === 0 ? '' : indent}${label}${renderValue(item, indent + ' '.repeat(label.length))}`;
      })
      .join('\n');
  }
  return JSON.stringify(value);
}
