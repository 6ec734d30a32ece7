/**
 * Sends the REPL's KV commands through the TypeScript client (which finds the leader and retries)
 * and renders replies the way redis-cli does: "value", (nil), (integer) 3, numbered lists.
 *
 * The client is looked up by method name at run time, so a command the client does not offer yet
 * answers with a clear error instead of breaking the build; it starts working as soon as the
 * client grows the method.
 */
import type { KvRunner } from './repl_exec.js';

/** How each REPL command maps onto a client method and its arguments. */
const METHODS: Record<string, { method: string; toArgs: (args: string[]) => unknown[] }> = {
  SET: { method: 'set', toArgs: (args) => args },
  GET: { method: 'get', toArgs: (args) => args },
  DEL: { method: 'del', toArgs: (args) => args },
  EXISTS: { method: 'exists', toArgs: (args) => args },
  APPEND: { method: 'append', toArgs: (args) => args },
  INCR: { method: 'incr', toArgs: (args) => args },
  MGET: { method: 'mget', toArgs: (args) => args },
  CAS: { method: 'cas', toArgs: (args) => args },
  SCAN: { method: 'scan', toArgs: (args) => args },
};

export function createKvRunner(client: object | null): KvRunner {
  return {
    async run(name, args) {
      if (client === null) throw new Error('this cluster offers no KV client yet');
      const spec = METHODS[name];
      const fn = spec === undefined ? undefined : (client as Record<string, unknown>)[spec.method];
      if (spec === undefined || typeof fn !== 'function') {
        throw new Error(`${name} is not supported by the client yet`);
      }
      const reply: unknown = await (fn as (...callArgs: unknown[]) => Promise<unknown>).apply(client, spec.toArgs(args));
      return renderReply(name, reply);
    },
  };
}

/** redis-cli style rendering of whatever the client returned. */
export function renderReply(name: string, reply: unknown): string {
  if (name === 'SET' && (reply === undefined || reply === true)) return 'OK';
  return renderValue(reply, '');
}

function renderValue(value: unknown, indent: string): string {
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
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Uint8Array ? new TextDecoder().decode(inner) : inner,
  );
}
