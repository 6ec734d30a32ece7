/**
 * The nodes the client knows and one lazily opened connection to each, plus the current guess
 * of which node leads. Nodes named in leader hints are added (a cluster may have grown).
 */
import { tryParseAddress, type NodeAddress } from './address.js';
import { Connection } from './connection.js';
import { readOnlyCommand, redirectCommand } from './protocol.js';

export type ReadConsistency = 'linearizable' | 'stale';

export class NodePool {
  private readonly nodes: NodeAddress[];
  private readonly connections = new Map<string, Connection>();
  private readonly connectTimeoutMs: number;
  private leaderGuess: NodeAddress | null = null;
  private nextIndex = 0;
  private closed = false;

  constructor(nodes: NodeAddress[], connectTimeoutMs: number) {
    this.nodes = [...nodes];
    this.connectTimeoutMs = connectTimeoutMs;
  }

  get leader(): NodeAddress | null {
    return this.leaderGuess;
  }

  get knownNodes(): readonly NodeAddress[] {
    return this.nodes;
  }

  /** The node to try next when no leader is known: round robin over the known nodes. */
  nextCandidate(): NodeAddress {
    const node = this.nodes[this.nextIndex % this.nodes.length] as NodeAddress;
    this.nextIndex = (this.nextIndex + 1) % this.nodes.length;
    return node;
  }

  /** Records a leader hint; returns the node, or null when the hint is not a usable address. */
  learnLeader(hint: string): NodeAddress | null {
    const parsed = tryParseAddress(hint);
    if (parsed === null) return null;
    const known = this.nodes.find((node) => node.key === parsed.key);
    const node = known ?? parsed;
    if (known === undefined) this.nodes.push(parsed);
    this.leaderGuess = node;
    return node;
  }

  /** Stops sending to `node` as leader (it failed or said it is not); round robin resumes after it. */
  forgetLeader(node: NodeAddress): void {
    if (this.leaderGuess?.key === node.key) this.leaderGuess = null;
    const at = this.nodes.findIndex((known) => known.key === node.key);
    if (at !== -1) this.nextIndex = (at + 1) % this.nodes.length;
  }

  /**
   * The open connection to `node` for reads of `consistency`, opening one if there is none.
   * Read consistency is a per-connection mode on the server (READONLY), so stale reads get a
   * second connection of their own rather than toggling the mode and breaking pipelines.
   */
  connection(node: NodeAddress, consistency: ReadConsistency): Connection {
    const key = `${consistency === 'stale' ? 'stale' : 'main'} ${node.key}`;
    const existing = this.connections.get(key);
    if (existing !== undefined && !existing.closed) return existing;
    const connection = new Connection({
      address: node,
      connectTimeoutMs: this.connectTimeoutMs,
      // Redirect mode: a follower answers with the leader's address instead of forwarding, so the
      // client learns the leader and talks to it directly (one hop less per request).
      setup: consistency === 'stale' ? [readOnlyCommand()] : [redirectCommand()],
      onClose: (closed) => {
        if (this.connections.get(key) === closed) this.connections.delete(key);
      },
    });
    this.connections.set(key, connection);
    return connection;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const connection of [...this.connections.values()]) connection.destroy('client closed');
    this.connections.clear();
  }
}
