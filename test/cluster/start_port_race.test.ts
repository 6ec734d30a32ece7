/**
 * A first start whose port block another program takes between the check and a node's bind (two
 * kv-sim processes can pick overlapping blocks at the same moment) starts again with another block.
 * The race is made here by holding node 1's RESP port just before its first worker starts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCluster, type Cluster } from '../../src/index.js';
import { listenProblem } from '../../src/cluster/port_block.js';
import { WorkerHandle, type WorkerHandleOptions } from '../../src/cluster/worker_handle.js';
import type { NodeConfig } from '../../src/runtime/node_config.js';
import { holdPort, releasePort } from '../support/port_squatter.js';

const HOST = '127.0.0.1';

/** Lock directories SQLite storage leaves while a node holds its files (or after it was killed). */
function locksUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.lock'));
}

describe('startCluster and a port taken while it starts', () => {
  const held: Server[] = [];
  const dirs: string[] = [];
  let cluster: Cluster | null = null;

  interface Spawned {
    config: NodeConfig;
    /** The worker, once WorkerHandle.spawn answered; null while it has not (or when it failed). */
    handle: WorkerHandle | null;
    settled: boolean;
  }

  /**
   * Holds node 1's RESP port just before its first `races` workers start, and reports the other
   * nodes' first workers ready only once node 1's first has failed: they are still starting then.
   */
  function raceNode1(races = 1): { taken: number[]; spawned: Spawned[] } {
    const taken: number[] = [];
    const spawned: Spawned[] = [];
    let node1Settled = (): void => {};
    const node1Failed = new Promise<void>((resolve) => {
      node1Settled = resolve;
    });
    const spawn = WorkerHandle.spawn.bind(WorkerHandle);
    vi.spyOn(WorkerHandle, 'spawn').mockImplementation(async (options: WorkerHandleOptions) => {
      const record: Spawned = { config: options.config, handle: null, settled: false };
      spawned.push(record);
      let result: Promise<WorkerHandle>;
      if (options.config.id === 1 && taken.length < races && options.config.redisPort !== 0) {
        taken.push(options.config.redisPort);
        held.push(await holdPort(options.config.redisPort));
        result = spawn(options);
        if (taken.length === 1) result.then(node1Settled, node1Settled);
      } else {
        const starting = spawn(options);
        const firstWorker = spawned.filter((s) => s.config.id === options.config.id).length === 1;
        result = options.config.redisPort !== 0 && firstWorker ? node1Failed.then(() => starting) : starting;
      }
      return result.then(
        (handle) => {
          record.handle = handle;
          record.settled = true;
          return handle;
        },
        (error: unknown) => {
          record.settled = true;
          throw error;
        },
      );
    });
    return { taken, spawned };
  }

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'kv-sim-port-race-'));
    dirs.push(dir);
    return dir;
  }

  afterEach(async () => {
    vi.restoreAllMocks();
    await cluster?.stop();
    cluster = null;
    await Promise.all(held.splice(0).map(releasePort));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('starts again with another block, and serves', async (context) => {
    const { taken } = raceNode1();
    cluster = await startCluster({ nodes: 3, seed: 7, logLevel: 'silent' });
    if (taken.length === 0) return context.skip('no free port block below the ephemeral range on this machine: nothing to race for');
    expect(Number(new URL(cluster.endpoints(1).redis).port)).not.toBe(taken[0]);
    await cluster.waitForLeader({ timeoutMs: 20_000 });
  }, 60_000);

  it('starts again in a data directory whose data is kept, leaving no lock behind', async (context) => {
    const dataDir = tempDir();
    const { taken } = raceNode1();
    cluster = await startCluster({ nodes: 3, seed: 7, logLevel: 'silent', dataDir, keepData: true });
    if (taken.length === 0) return context.skip('no free port block below the ephemeral range on this machine: nothing to race for');
    await cluster.waitForLeader({ timeoutMs: 20_000 });
    await cluster.stop();
    cluster = null;
    expect(readdirSync(dataDir).sort()).toEqual(['node-1', 'node-2', 'node-3']);
    expect(locksUnder(dataDir)).toEqual([]);
  }, 60_000);

  it("does not start again over a data directory whose files it removed (no keepData), and leaves no node running", async (context) => {
    const dataDir = tempDir();
    const { taken, spawned } = raceNode1();
    const failure = await startCluster({ nodes: 3, seed: 7, logLevel: 'silent', dataDir }).then(
      (started) => {
        cluster = started;
        return null;
      },
      (error: unknown) => error,
    );
    if (taken.length === 0) return context.skip('no free port block below the ephemeral range on this machine: nothing to race for');
    expect(String(failure)).toMatch(new RegExp(`node 1 failed to start: .*cannot listen for RESP clients on ${HOST}:${taken[0]}: EADDRINUSE`));
    // The nodes that were still starting beside node 1 are started and stopped before startCluster answers.
    const others = spawned.filter((s) => s.config.id !== 1);
    expect(others.map((s) => s.config.id).sort()).toEqual([2, 3]);
    for (const other of others) {
      expect(other.settled).toBe(true);
      expect(other.handle?.alive).toBe(false);
      expect(await listenProblem(other.config.redisPort, HOST)).toBeNull();
    }
    expect(locksUnder(dataDir)).toEqual([]);
  }, 60_000);

  it('gives up after 3 attempts, naming the port each one lost', async (context) => {
    const { taken } = raceNode1(3);
    const failure = await startCluster({ nodes: 3, seed: 7, logLevel: 'silent' }).then(
      (started) => {
        cluster = started;
        return null;
      },
      (error: unknown) => error,
    );
    if (taken.length === 0) return context.skip('no free port block below the ephemeral range on this machine: nothing to race for');
    expect(taken).toHaveLength(3);
    expect(String(failure)).toContain(`cannot listen for RESP clients on ${HOST}:${taken[2]}: EADDRINUSE (start attempt 3; the earlier attempts lost ports ${taken[0]}, ${taken[1]} of their blocks to another program)`);
  }, 60_000);
});
