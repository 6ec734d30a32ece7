/**
 * Test fixture: N real RESP servers (src/server/resp) on free loopback ports, all in front of ONE
 * real KvStateMachine, standing for a perfectly replicated log. The test decides who leads, who
 * is down, and can make the leader lose a write's reply after applying it: exactly the cases a
 * client must survive, without Raft's timing in the way. Followers answer NOTLEADER with the
 * leader's address, as the real nodes do.
 */
import { KvStateMachine, type KvStateMachineOptions } from '../../src/kv/index.js';
import type { ProposalOutcome, ReadConsistency } from '../../src/node/types.js';
import type { KvBackend, KvBackendInfo, KvResultsOutcome } from '../../src/server/resp/backend.js';
import { RespServer } from '../../src/server/resp/resp_server.js';

/** What the leader does with the next write after applying it. */
export type WriteFault =
  /** Reply -TIMEOUT (applied, outcome unknown to the client). */
  | 'timeout-after-apply'
  /** Never reply, and report it through `onReplyLost` (the test then crashes the node). */
  | 'lose-reply';

export class FixtureCluster {
  readonly machine: KvStateMachine;
  /** 0 when no node leads (an election in progress). */
  leaderId = 1;
  /** Write proposals that reached apply(), counted per node. */
  readonly appliedWrites = new Map<number, number>();
  private readonly servers = new Map<number, RespServer>();
  private readonly addresses = new Map<number, string>();
  private readonly faults: WriteFault[] = [];
  private nextIndex = 1;
  private replyLostWaiters: Array<() => void> = [];

  private constructor(machine: KvStateMachine) {
    this.machine = machine;
  }

  static async start(nodes: number, machineOptions: KvStateMachineOptions = {}): Promise<FixtureCluster> {
    const cluster = new FixtureCluster(new KvStateMachine(machineOptions));
    for (let id = 1; id <= nodes; id++) await cluster.startNode(id);
    return cluster;
  }

  /** `redis://host:port` of each node, in id order. */
  urls(): string[] {
    return [...this.addresses.entries()].sort(([a], [b]) => a - b).map(([, address]) => `redis://${address}`);
  }

  url(id: number): string {
    return `redis://${this.address(id)}`;
  }

  address(id: number): string {
    const address = this.addresses.get(id);
    if (address === undefined) throw new Error(`no node ${id}`);
    return address;
  }

  server(id: number): RespServer {
    const server = this.servers.get(id);
    if (server === undefined) throw new Error(`node ${id} is down`);
    return server;
  }

  /** Faults injected and not yet consumed by a write. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  injectWriteFault(fault: WriteFault): void {
    this.faults.push(fault);
  }

  /** Resolves when the leader has applied a write whose reply it will never send. */
  replyLost(): Promise<void> {
    return new Promise((resolve) => this.replyLostWaiters.push(resolve));
  }

  /** Stops a node's port: its connections drop and later connects are refused. */
  async crash(id: number): Promise<void> {
    const server = this.server(id);
    this.servers.delete(id);
    await server.close();
  }

  /** Starts a node again on the same port. */
  async restart(id: number): Promise<void> {
    await this.startNode(id, Number(this.address(id).split(':')[1]));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.close()));
    this.servers.clear();
  }

  private async startNode(id: number, port = 0): Promise<void> {
    const server = await RespServer.start({ backend: this.backend(id), port, host: '127.0.0.1' });
    this.servers.set(id, server);
    this.addresses.set(id, `127.0.0.1:${server.address().port}`);
  }

  private backend(id: number): KvBackend {
    const notLeader = (): { ok: false; error: { type: 'not-leader'; leaderHint: number } } => ({
      ok: false,
      error: { type: 'not-leader', leaderHint: this.leaderId },
    });
    return {
      write: async (proposal): Promise<ProposalOutcome> => {
        if (this.leaderId !== id) return notLeader();
        const index = this.nextIndex++;
        const result = this.machine.apply(proposal, index);
        this.appliedWrites.set(id, (this.appliedWrites.get(id) ?? 0) + 1);
        const fault = this.faults.shift();
        if (fault === 'timeout-after-apply') return { ok: false, error: { type: 'timeout' } };
        if (fault === 'lose-reply') {
          for (const waiter of this.replyLostWaiters.splice(0)) waiter();
          return new Promise<ProposalOutcome>(() => {});
        }
        return { ok: true, index, result };
      },
      read: async (commands, consistency: ReadConsistency): Promise<KvResultsOutcome> => {
        if (consistency === 'linearizable' && this.leaderId !== id) return notLeader();
        return { ok: true, index: this.nextIndex - 1, results: this.machine.queryCommands(commands) };
      },
      info: (): KvBackendInfo => ({
        nodeId: id,
        role: this.leaderId === id ? 'leader' : 'follower',
        leaderId: this.leaderId,
        term: 1,
        commitIndex: this.nextIndex - 1,
        appliedIndex: this.nextIndex - 1,
      }),
      clientAddressOf: (nodeId) => this.addresses.get(nodeId) ?? null,
    };
  }
}
