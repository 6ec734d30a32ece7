/** The RESP front end's KvBackend over this node's driver: the node answers for itself, no forwarding. */
import type { NodeId } from '../core/types.js';
import type { NodeDriver } from '../node/node_driver.js';
import { NodeService } from '../node/node_service.js';
import type { ProposalOutcome, ReadConsistency, ReadOutcome } from '../node/types.js';
import type { KvBackend, KvBackendInfo } from '../server/resp/backend.js';

export class DriverBackend implements KvBackend {
  private readonly driver: NodeDriver;
  private readonly service: NodeService;
  /** Other nodes' client addresses (`host:port`), for the address in not-leader replies. */
  private readonly clientAddresses = new Map<NodeId, string>();
  /** Test hook that breaks linearizability (NodeConfig.unsafeReadsFromFollowers). */
  private readonly unsafeReadsFromFollowers: boolean;

  constructor(driver: NodeDriver, options: { unsafeReadsFromFollowers?: boolean } = {}) {
    this.driver = driver;
    this.service = new NodeService(driver);
    this.unsafeReadsFromFollowers = options.unsafeReadsFromFollowers === true;
  }

  setClientAddresses(addresses: Iterable<{ peer: NodeId; address: string }>): void {
    for (const { peer, address } of addresses) this.clientAddresses.set(peer, address);
  }

  write(proposal: Uint8Array): Promise<ProposalOutcome> {
    return this.service.propose(proposal);
  }

  read(query: Uint8Array, consistency: ReadConsistency): Promise<ReadOutcome> {
    if (this.unsafeReadsFromFollowers && this.driver.status().role !== 'leader') return this.service.read(query, 'stale');
    return this.service.read(query, consistency);
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
