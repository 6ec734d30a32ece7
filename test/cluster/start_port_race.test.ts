/**
 * A first start whose port block another program takes between the check and a node's bind (two
 * kv-sim processes can pick overlapping blocks at the same moment) starts again with another block.
 * The race is made here by holding a node's RESP port just before its worker starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCluster, type Cluster } from '../../src/index.js';
import { WorkerHandle, type WorkerHandleOptions } from '../../src/cluster/worker_handle.js';
import { holdPort, releasePort } from '../support/port_squatter.js';

const HOST = '127.0.0.1';

describe('startCluster and a port taken while it starts', () => {
  const held: Server[] = [];
  const dirs: string[] = [];
  let cluster: Cluster | null = null;

  /** Holds node 1's RESP port just before its first worker starts; returns the ports taken. */
  function takeNode1PortOnFirstSpawn(): number[] {
    const taken: number[] = [];
    const spawn = WorkerHandle.spawn.bind(WorkerHandle);
    vi.spyOn(WorkerHandle, 'spawn').mockImplementation(async (options: WorkerHandleOptions) => {
      if (options.config.id === 1 && taken.length === 0 && options.config.redisPort !== 0) {
        taken.push(options.config.redisPort);
        held.push(await holdPort(options.config.redisPort));
      }
      return spawn(options);
    });
    return taken;
  }

  afterEach(async () => {
    vi.restoreAllMocks();
    await cluster?.stop();
    cluster = null;
    await Promise.all(held.splice(0).map(releasePort));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('starts again with another block, and serves', async () => {
    const taken = takeNode1PortOnFirstSpawn();
    cluster = await startCluster({ nodes: 3, seed: 7, logLevel: 'silent' });
    expect(taken).toHaveLength(1);
    const port = Number(new URL(cluster.endpoints(1).redis).port);
    expect(port).not.toBe(taken[0]);
    await cluster.waitForLeader({ timeoutMs: 20_000 });
  }, 60_000);

  it("does not start again over a data directory whose files it would have removed (no --keep-data), and says which port failed", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kv-sim-port-race-'));
    dirs.push(dataDir);
    const taken = takeNode1PortOnFirstSpawn();
    const failure = await startCluster({ nodes: 3, seed: 7, logLevel: 'silent', dataDir }).then(
      (started) => {
        cluster = started;
        return null;
      },
      (error: unknown) => error,
    );
    expect(taken).toHaveLength(1);
    expect(String(failure)).toMatch(new RegExp(`node 1 failed to start: .*cannot listen for RESP clients on ${HOST}:${taken[0]}: EADDRINUSE`));
  }, 60_000);
});
