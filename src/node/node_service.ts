import type { NodeDriver } from './node_driver.js';
import type { NodeStatus, ProposalOutcome, ReadConsistency, ReadOutcome } from './types.js';

/**
 * A promise facade over the driver for servers (RESP, HTTP) and the library API. Each call is
 * settled exactly once by the driver: success, an expected error value, timeout or stopped.
 */
export class NodeService {
  private readonly driver: NodeDriver;

  constructor(driver: NodeDriver) {
    this.driver = driver;
  }

  propose(command: Uint8Array): Promise<ProposalOutcome> {
    return new Promise((resolve) => this.driver.propose(command, resolve));
  }

  read(query: Uint8Array, consistency: ReadConsistency = 'linearizable'): Promise<ReadOutcome> {
    return new Promise((resolve) => this.driver.read(query, consistency, resolve));
  }

  status(): NodeStatus {
    return this.driver.status();
  }
}
