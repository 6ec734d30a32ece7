/**
 * Test helpers: writes and reads through the real client path (each node's RESP port, with
 * ioredis), following leader changes with bounded deadlines.
 */
import { Redis } from 'ioredis';
import type { Cluster, NodeId } from '../../src/index.js';

const RETRY_BACKOFF_MS = 20;

/** One ioredis connection per node, reconnected after a node went down. */
export class Clients {
  private readonly cluster: Cluster;
  private readonly byNode = new Map<NodeId, Redis>();

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  for(node: NodeId, commandTimeoutMs = 1_000): Redis {
    let client = this.byNode.get(node);
    if (client === undefined || client.status === 'end' || client.status === 'close') {
      client = new Redis(this.cluster.endpoints(node).redis, {
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        commandTimeout: commandTimeoutMs,
        connectTimeout: 1_000,
      });
      client.on('error', () => {}); // failures surface on the command; a closed client is replaced
      this.byNode.set(node, client);
    }
    return client;
  }

  /** One attempt on one node: 'OK' or the error's message. */
  async trySet(node: NodeId, key: string, value: string, timeoutMs = 1_000): Promise<string> {
    try {
      return (await this.for(node, timeoutMs).set(key, value)) ?? 'null';
    } catch (error) {
      this.forget(node);
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** SET through the current leader, retrying across leader changes until acknowledged or the deadline. */
  async set(key: string, value: string, deadlineMs = 5_000): Promise<void> {
    await this.viaLeader(deadlineMs, `SET ${key}`, async (client) => {
      const reply = await client.set(key, value);
      if (reply !== 'OK') throw new Error(`SET ${key} replied ${String(reply)}`);
    });
  }

  /** A linearizable GET through the current leader. */
  get(key: string, deadlineMs = 5_000): Promise<string | null> {
    return this.viaLeader(deadlineMs, `GET ${key}`, (client) => client.get(key));
  }

  async viaLeader<T>(deadlineMs: number, what: string, fn: (client: Redis) => Promise<T>): Promise<T> {
    const deadline = performance.now() + deadlineMs;
    let lastError = 'no attempt';
    for (;;) {
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) throw new Error(`${what} not done within ${deadlineMs} ms: ${lastError}`);
      let leader: NodeId;
      try {
        leader = await this.cluster.waitForLeader({ timeoutMs: leftMs });
      } catch (error) {
        lastError = String(error);
        continue;
      }
      try {
        return await fn(this.for(leader, Math.max(200, Math.min(1_000, leftMs))));
      } catch (error) {
        lastError = `node ${leader}: ${error instanceof Error ? error.message : String(error)}`;
        this.forget(leader);
        // A short back-off so a node that refuses at once (stepping down, restarting) is not hammered.
        await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
      }
    }
  }

  forget(node: NodeId): void {
    const client = this.byNode.get(node);
    this.byNode.delete(node);
    client?.disconnect();
  }

  close(): void {
    for (const node of [...this.byNode.keys()]) this.forget(node);
  }
}

/** Every up node has the same last, commit and applied index (and at least `atLeast`). */
export function logsConverged(atLeast = 0) {
  return (statuses: Awaited<ReturnType<Cluster['status']>>): boolean => {
    const up = statuses.filter((s) => s.up);
    const first = up[0];
    if (first === undefined || first.appliedIndex < atLeast) return false;
    return up.every(
      (s) => s.lastIndex === first.lastIndex && s.commitIndex === first.commitIndex && s.appliedIndex === first.commitIndex,
    );
  };
}
