/**
 * Loaded with `node --import` by profile_hot_path (workers inherit it): in each node worker it
 * wraps a few hot methods to count what a CPU profile cannot show — entries per proposal batch,
 * entries and time per SQLite transaction, flushes (event-loop turns that ran the Ready loop),
 * messages per send — and writes the counts to $KV_SIM_PROBE_DIR every 250 ms. Bench only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, threadId, workerData } from 'node:worker_threads';

export interface ProbeCounts {
  node: number;
  proposeCalls: number;
  proposedEntries: number;
  saveCalls: number;
  savedEntries: number;
  saveMs: number;
  flushCalls: number;
  flushMs: number;
  sendCalls: number;
  sentMessages: number;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

function wrap(prototype: Record<string, unknown>, name: string, before: (args: unknown[]) => void, timed?: (ms: number) => void): void {
  const original = prototype[name] as Method;
  prototype[name] = function (this: unknown, ...args: unknown[]): unknown {
    before(args);
    if (timed === undefined) return original.apply(this, args);
    const startMs = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      timed(performance.now() - startMs);
    }
  };
}

const dir = process.env.KV_SIM_PROBE_DIR;
const nodeId = (workerData as { config?: { id?: number } } | null)?.config?.id;
if (!isMainThread && dir !== undefined && typeof nodeId === 'number') {
  const counts: ProbeCounts = { node: nodeId, proposeCalls: 0, proposedEntries: 0, saveCalls: 0, savedEntries: 0, saveMs: 0, flushCalls: 0, flushMs: 0, sendCalls: 0, sentMessages: 0 };
  const at = (path: string): string => new URL(path, import.meta.url).href;
  const { RaftNode } = await import(at('../src/core/raft_node.js'));
  const { SqliteStorage } = await import(at('../src/storage/sqlite_storage.js'));
  const { NodeDriver } = await import(at('../src/node/node_driver.js'));
  const { PausableTransport } = await import(at('../src/runtime/pausable_transport.js'));
  wrap(RaftNode.prototype, 'propose', (args) => {
    counts.proposeCalls++;
    counts.proposedEntries += (args[0] as unknown[]).length;
  });
  wrap(SqliteStorage.prototype, 'save', (args) => {
    const entries = (args[0] as { entries: unknown[] }).entries.length;
    if (entries > 0) counts.saveCalls++;
    counts.savedEntries += entries;
  }, (ms) => (counts.saveMs += ms));
  wrap(NodeDriver.prototype, 'flush', () => counts.flushCalls++, (ms) => (counts.flushMs += ms));
  wrap(PausableTransport.prototype, 'send', (args) => {
    counts.sendCalls++;
    counts.sentMessages += (args[0] as unknown[]).length;
  });
  const file = join(dir, `node-${nodeId}-thread-${threadId}.json`);
  setInterval(() => writeFileSync(file, JSON.stringify(counts)), 250).unref();
}
