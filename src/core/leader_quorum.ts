import { majority, quorumValue } from './quorum.js';
import type { RaftNode } from './raft_node.js';

/**
 * What a leader decides by counting over its voters: how far it may commit, which reads a quorum
 * has confirmed, and (check-quorum) whether a quorum still answers it.
 */

/** Commits the highest index a majority of voters hold, if it is of the current term. */
export function maybeCommit(node: RaftNode): boolean {
  const log = node.log;
  const matches: number[] = [];
  for (const voter of node.membership.voters) {
    // The leader's own copy counts once it is durable: its appends may leave before its own
    // disk write ends, so a crash could still take unpersisted entries away.
    matches.push(voter === node.id ? log.stableIndex : (node.progress.get(voter)?.matchIndex ?? 0));
  }
  const quorumIndex = quorumValue(matches);
  if (quorumIndex <= log.commitIndex) return false;
  if (log.term(quorumIndex) !== node.term && !node.config.unsafe?.commitByCountingOldTerms) return false;
  log.commitTo(quorumIndex);
  if (node.reads.hasWaitingForCommit() && log.term(quorumIndex) === node.term) {
    node.reads.commitReached(quorumIndex);
    releaseConfirmedReads(node);
  }
  return true;
}

/** Reads whose round a quorum has acknowledged become ready. */
export function releaseConfirmedReads(node: RaftNode): void {
  const acked: number[] = [];
  for (const voter of node.membership.voters) {
    acked.push(voter === node.id ? node.reads.currentRound() : node.reads.ackedRound(voter));
  }
  node.reads.confirmUpTo(quorumValue(acked));
}

/** Whether a majority of voters (the leader among them) answered since the last check; starts the next one. */
export function quorumRecentlyActive(node: RaftNode): boolean {
  let active = 1; // the leader itself
  for (const voter of node.membership.voters) {
    if (voter === node.id) continue;
    const pr = node.progress.get(voter);
    if (pr?.recentActive) active++;
    if (pr) pr.recentActive = false;
  }
  return active >= majority(node.membership.voters.length);
}
