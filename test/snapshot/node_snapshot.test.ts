/**
 * One node in this process (the composition function a worker or `kv-sim node` runs): an on-demand
 * snapshot compacts the log in memory and on disk, and a restart recovers from snapshot + log,
 * reporting how long recovery took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeConfig } from '../../src/runtime/node_config.js';
import { startNode, type RunningNode } from '../../src/runtime/start_node.js';
import { SqliteStorage } from '../../src/storage/sqlite_storage.js';

const dataDir = mkdtempSync(join(tmpdir(), 'kv-sim-node-snap-'));

function config(): NodeConfig {
  return {
    id: 1,
    members: [1],
    seed: 5,
    dataDir,
    fsync: 'never',
    timing: 'fast',
    logLevel: 'silent',
    host: '127.0.0.1',
    redisPort: 0,
    transport: { kind: 'channel', peerPorts: [] },
    breakStaleLock: true,
    // Only on demand here (thresholds out of reach); keep 10 entries after the snapshot.
    snapshotPolicy: { entriesThreshold: 1_000_000, bytesThreshold: 1 << 30, retainEntries: 10 },
  };
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | null): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function startLeader(): Promise<{ node: RunningNode; redis: Redis }> {
  const node = await startNode(config(), { startedAtMs: performance.now() });
  await until('the node to lead', 5_000, () => (node.status().role === 'leader' ? true : null));
  const redis = new Redis(node.endpoints.redis, { maxRetriesPerRequest: 0, enableReadyCheck: false });
  return { node, redis };
}

describe('snapshot of a running node', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('on demand: compacts the log in memory and on disk; a restart recovers every write', async () => {
    const first = await startLeader();
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => first.redis.set(`key-${batch}-${i}`, `value-${batch}-${i}`)));
    }
    const before = first.node.status();
    const index = await first.node.snapshot();
    const after = first.node.status();
    expect(index).toBeGreaterThanOrEqual(before.appliedIndex);
    expect(after.snapshotIndex).toBe(index);
    expect(after.firstIndex).toBeGreaterThan(1);
    expect(after.firstIndex).toBeGreaterThanOrEqual(index - 10);
    // Asking again with nothing new applied keeps the same snapshot.
    expect(await first.node.snapshot()).toBe(index);
    first.redis.disconnect();
    await first.node.stop();

    const storage = new SqliteStorage({ dataDir, nodeId: 1, breakStaleLock: true });
    const stored = storage.load();
    expect(stored.snapshot?.meta.index).toBe(index);
    expect(storage.rowCounts().entries).toBeLessThan(5);
    storage.close();

    const second = await startLeader();
    const status = second.node.status();
    expect(status.snapshotIndex).toBe(index);
    expect(status.recoveryMs).toBeGreaterThan(0);
    const values = await second.redis.mget(...Array.from({ length: 50 }, (_, i) => `key-19-${i}`));
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `value-19-${i}`));
    expect(await second.redis.get('key-0-0')).toBe('value-0-0');
    second.redis.disconnect();
    await second.node.stop();
  });
});
