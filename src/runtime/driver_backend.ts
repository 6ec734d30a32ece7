/** The RESP front end's KvBackend over this node's driver: the node answers for itself, no forwarding. */
import type { NodeId } from '../core/types.js';
import type { KvCommand } from '../kv/commands.js';
import type { KvStateMachine } from '../kv/kv_state_machine.js';
import type { NodeDriver } from '../node/node_driver.js';
import { NodeService } from '../node/node_service.js';
import type { ProposalOutcome, ReadConsistency } from '../node/types.js';
import type { KvBackend, KvBackendInfo, KvResultsOutcome } from '../server/resp/backend.js';

export class DriverBackend implements KvBackend {
  private readonly driver: NodeDriver;
  /** The driver's state machine: reads wait on the driver (a read barrier), then ask it directly. */
  private readonly stateMachine: KvStateMachine;
  private readonly service: NodeService;
  /** Other nodes' client addresses (`host:port`), for the address in not-leader replies. */
  private readonly clientAddresses = new Map<NodeId, string>();
  /** Test hook that breaks linearizability (NodeConfig.unsafeReadsFromFollowers). */
  private readonly unsafeReadsFromFollowers: boolean;

  constructor(driver: NodeDriver, stateMachine: KvStateMachine, options: { unsafeReadsFromFollowers?: boolean } = {}) {
    this.driver = driver;
    this.stateMachine = stateMachine;
    this.service = new NodeService(driver);
    this.unsafeReadsFromFollowers = options.unsafeReadsFromFollowers === true;
  }

  setClientAddresses(addresses: Iterable<{ peer: NodeId; address: string }>): void {
    for (const { peer, address } of addresses) this.clientAddresses.set(peer, address);
  }

  write(proposal: Uint8Array): Promise<ProposalOutcome> {
    return this.service.propose(proposal);
  }

  read(commands: readonly KvCommand[], consistency: ReadConsistency): Promise<KvResultsOutcome> {
    const unsafe = this.unsafeReadsFromFollowers && this.driver.status().role !== 'leader';
    return new Promise((resolve) => {
      this.driver.read(null, unsafe ? 'stale' : consistency, (outcome) => {
        // Read inside the callback, where the driver would have queried: at or past the read's index.
        resolve(outcome.ok ? { ok: true, index: outcome.index, results: this.stateMachine.queryCommands(commands) } : outcome);
      });
    });
  }

  info(): KvBackendInfo {
    const status = this.driver.status();
    return {
      nodeId: status.id,
      role: status.role,
      leaderId: status.leader,
      term: status.term,
      commitIndex: status.commitIndex,
      appliedIndex: status.appliedIndex,
    };
  }

  clientAddressOf(nodeId: NodeId): string | null {
    return this.clientAddresses.get(nodeId) ?? null;
  }
}
