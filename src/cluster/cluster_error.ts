/** Bad arguments to the Cluster API and failed waits; thrown, with a message a user can act on. */
export class ClusterError extends Error {
  override name = 'ClusterError';
}

/** A node's worker did not start; portUnavailable says which port, when it could not listen on one. */
export class NodeStartFailed extends ClusterError {
  override name = 'NodeStartFailed';
  readonly portUnavailable: { port: number; code: string } | null;

  constructor(message: string, portUnavailable: { port: number; code: string } | null) {
    super(message);
    this.portUnavailable = portUnavailable;
  }
}
