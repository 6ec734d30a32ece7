/**
 * The replicated state machine as the node driver sees it. apply() must be deterministic: every
 * node applies the same bytes in the same order and must reach the same state and results.
 */
export interface StateMachine {
  /**
   * Applies one committed command at `index`; returns the reply for the proposer. With
   * `resultWanted` false (default true) nobody waits for the reply (a follower, a replay): the
   * machine may skip encoding it and return an empty array, but must change its state exactly as
   * with true.
   */
  apply(command: Uint8Array, index: number, resultWanted?: boolean): Uint8Array;
  /** Answers a read-only query against the current state (after ReadIndex or for stale reads). */
  query(query: Uint8Array): Uint8Array;
  /** A point-in-time copy of the state. */
  snapshot(): Uint8Array;
  /** Replaces the state with a snapshot's. */
  restore(snapshot: Uint8Array): void;
}
