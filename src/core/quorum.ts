import type { NodeId } from './types.js';

/**
 * The value that a majority of `values` is at or above: sort descending and take the
 * majority-th element. Used for the commit index (match indexes) and read confirmation (read seqs).
 */
export function quorumValue(values: number[]): number {
  const sorted = values.slice().sort((a, b) => b - a);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** Whether a majority of `voters` granted their vote (`votes` may hold answers of non-voters too). */
export function hasVoteQuorum(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): boolean {
  let granted = 0;
  for (const voter of voters) if (votes.get(voter) === true) granted++;
  return granted >= majority(voters.length);
}

/** Whether so many of `voters` refused that the others can no longer make a majority. */
export function hasRejectionQuorum(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): boolean {
  let rejected = 0;
  for (const voter of voters) if (votes.get(voter) === false) rejected++;
  return voters.length - rejected < majority(voters.length);
}
