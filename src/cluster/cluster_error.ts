/** Bad arguments to the Cluster API and failed waits; thrown, with a message a user can act on. */
export class ClusterError extends Error {
  override name = 'ClusterError';
}
