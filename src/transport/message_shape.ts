/**
 * A cheap shape check for messages that arrive as structured clones (MessagePort), where no codec
 * stands between the wire and the node. It guards against a wrong object reaching the core (a bug
 * in some other sender, or a port wired to the wrong thing), not against a determined attacker.
 */
import type { Message } from '../core/types.js';

const NUMERIC_FIELDS: Record<Message['type'], readonly string[]> = {
  vote: ['lastLogIndex', 'lastLogTerm'],
  'vote-response': [],
  append: ['prevLogIndex', 'prevLogTerm', 'commit'],
  'append-response': ['matchIndex', 'rejectedIndex', 'conflictIndex', 'conflictTerm'],
  heartbeat: ['commit', 'readSeq'],
  'heartbeat-response': ['readSeq', 'lastLogIndex', 'lastLogTerm'],
  snapshot: ['offset', 'totalBytes'],
  'snapshot-response': ['snapshotIndex', 'snapshotTerm', 'nextOffset'],
};

/** Why `value` is not a Message, or null when it looks like one. */
export function messageShapeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const record = value as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !Object.hasOwn(NUMERIC_FIELDS, type)) return `unknown message type ${String(type)}`;
  for (const field of ['from', 'to', 'term', ...(NUMERIC_FIELDS[type as Message['type']] ?? [])]) {
    if (typeof record[field] !== 'number') return `${type}.${field} is not a number`;
  }
  if (type === 'append') {
    const entries = record['entries'];
    if (!Array.isArray(entries)) return 'append.entries is not an array';
    for (const entry of entries as unknown[]) {
      const e = entry as Record<string, unknown> | null;
      if (typeof e !== 'object' || e === null || !(e['data'] instanceof Uint8Array)) return 'append entry without Uint8Array data';
    }
  }
  if (type === 'snapshot') {
    const meta = record['meta'] as Record<string, unknown> | null;
    if (typeof meta !== 'object' || meta === null || typeof meta['index'] !== 'number' || typeof meta['term'] !== 'number') return 'snapshot.meta is malformed';
    if (!(record['chunk'] instanceof Uint8Array)) return 'snapshot.chunk is not a Uint8Array';
  }
  return null;
}
