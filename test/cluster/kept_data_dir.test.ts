/**
 * A kept data dir reopened with another node count is refused before any worker starts, saying
 * what it holds: started anyway, the added nodes campaigned for ever (5 nodes over a 3-node dir)
 * or the lone node never won (1 node over it).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterError, startCluster } from '../../src/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kv-sim-kept-'));
  dirs.push(dir);
  return dir;
}

describe('startCluster over a kept data dir', () => {
  it('refuses another node count, naming the cluster the dir holds, and starts the same one again', async () => {
    const dataDir = tempDir();
    const first = await startCluster({ nodes: 3, seed: 5, logLevel: 'silent', dataDir, keepData: true });
    await first.waitForLeader({ timeoutMs: 10_000 });
    await first.stop();

    for (const nodes of [5, 1, 2]) {
      const attempt = startCluster({ nodes, seed: 5, logLevel: 'silent', dataDir, keepData: true });
      await expect(attempt).rejects.toBeInstanceOf(ClusterError);
      await expect(attempt).rejects.toThrow(`${dataDir} holds a 3-node cluster (node-1..node-3); start it with 3 nodes, or use another data dir`);
    }
    expect(readdirSync(dataDir).sort()).toEqual(['node-1', 'node-2', 'node-3']);

    const again = await startCluster({ nodes: 3, seed: 5, logLevel: 'silent', dataDir, keepData: true });
    try {
      await again.waitForLeader({ timeoutMs: 10_000 });
    } finally {
      await again.stop();
    }
  }, 60_000);

  it('refuses a dir that lacks a database among its nodes', async () => {
    const dataDir = tempDir();
    for (const id of [1, 3]) {
      mkdirSync(join(dataDir, `node-${id}`));
      writeFileSync(join(dataDir, `node-${id}`, `node-${id}.sqlite`), '');
    }
    await expect(startCluster({ nodes: 3, logLevel: 'silent', dataDir })).rejects.toThrow(
      `${dataDir} holds the databases of nodes 1, 3 only, not those of a whole cluster (node-1..node-N); use another data dir`,
    );
  });
});
