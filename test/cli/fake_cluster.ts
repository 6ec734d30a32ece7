/**
 * An in-memory stand-in for the Cluster API, for testing the REPL and `up` without workers. It
 * keeps the rules a user can observe (unknown node and double crash are errors; a crashed node
 * shows as down) and records every fault call.
 */
import type { NodeId } from '../../src/core/types.js';
import type { LinkSettings } from '../../src/ports/transport.js';
import type { UpCluster } from '../../src/cli/up.js';
import type { StatusRow } from '../../src/cli/status_table.js';
import type { ReplKvClient } from '../../src/cli/kv_runner.js';

export class FakeCluster implements UpCluster {
  readonly nodeIds: NodeId[];
  readonly calls: string[] = [];
  readonly data = new Map<string, string>();
  stopped = false;
  private readonly down = new Set<NodeId>();
  private readonly paused = new Set<NodeId>();
  private readonly listeners = new Map<string, Array<(e: never) => void>>();

  constructor(nodes: number) {
    this.nodeIds = Array.from({ length: nodes }, (_, i) => i + 1);
  }

  async status(): Promise<StatusRow[]> {
    return this.nodeIds.map((id) => ({
      id,
      role: id === 1 ? 'leader' : 'follower',
      term: 2,
      commitIndex: this.data.size,
      appliedIndex: this.data.size,
      lastIndex: this.data.size,
      snapshotIndex: 0,
      leader: 1,
      up: !this.down.has(id),
      paused: this.paused.has(id),
    }));
  }
  async crash(node: NodeId): Promise<void> {
    this.check(node);
    if (this.down.has(node)) throw new Error(`node ${node} is already down`);
    this.down.add(node);
    this.calls.push(`crash ${node}`);
    this.emit('node-crashed', { node });
  }
  async restart(node: NodeId): Promise<void> {
    this.check(node);
    this.down.delete(node);
    this.calls.push(`restart ${node}`);
  }
  async partition(groups: NodeId[][]): Promise<void> {
    groups.flat().forEach((node) => this.check(node));
    this.calls.push(`partition ${JSON.stringify(groups)}`);
  }
  async partitionOneWay(from: NodeId, to: NodeId): Promise<void> {
    this.calls.push(`oneway ${from} ${to}`);
  }
  async isolate(node: NodeId): Promise<void> {
    this.check(node);
    this.calls.push(`isolate ${node}`);
  }
  async heal(): Promise<void> {
    this.calls.push('heal');
  }
  link(a: NodeId, b: NodeId): { set(settings: Partial<LinkSettings>): Promise<void> } {
    return {
      set: async (settings) => {
        this.calls.push(`link ${a} ${b} ${JSON.stringify(settings)}`);
      },
    };
  }
  async pause(node: NodeId): Promise<void> {
    this.paused.add(node);
  }
  async resume(node: NodeId): Promise<void> {
    this.paused.delete(node);
  }
  endpoints(node: NodeId): { redis: string; http: string | null; peer: string | null } {
    return { redis: `redis://127.0.0.1:${7000 + node}`, http: `http://127.0.0.1:${8000 + node}`, peer: null };
  }
  async waitForLeader(): Promise<NodeId> {
    this.emit('leader-changed', { node: 1, leader: 1, term: 2 });
    return 1;
  }
  on(event: string, fn: (e: never) => void): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn);
    this.listeners.set(event, list);
    return () => list.splice(list.indexOf(fn), 1);
  }
  /** A map-backed client with the string forms of set/get/del; `GET slow` times out. */
  client(): ReplKvClient {
    const data = this.data;
    const client = {
      async set(key: string, value: string): Promise<boolean> {
        data.set(key, value);
        return true;
      },
      async get(key: string): Promise<string | null> {
        if (key === 'slow') throw new Error('GET did not complete within 5000 ms (last failure: no leader)');
        return data.get(key) ?? null;
      },
      async del(keys: string[]): Promise<number> {
        return keys.filter((key) => data.delete(key)).length;
      },
      async mget(keys: string[]): Promise<Array<string | null>> {
        return keys.map((key) => data.get(key) ?? null);
      },
    };
    return client as unknown as ReplKvClient;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }

  private check(node: NodeId): void {
    if (!this.nodeIds.includes(node)) throw new Error(`unknown node ${node} (nodes are 1..${this.nodeIds.length})`);
  }
  private emit(event: string, payload: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as (e: unknown) => void)(payload);
  }
}
