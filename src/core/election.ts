import { assert } from '../lib/assert.js';
import { Progress } from './progress.js';
import { hasRejectionQuorum, hasVoteQuorum } from './quorum.js';
import type { RaftNode } from './raft_node.js';
import { NO_NODE, type NodeId } from './types.js';

/**
 * Elections: a campaign (a pre-vote round first when pre-vote is on), the votes it gathers, and
 * its end: the real election after a won pre-vote, leadership, or back to follower.
 */

/** Starts a campaign; the caller has checked that this node may (see RaftNode.campaign). */
export function startElection(node: RaftNode): void {
  if (node.config.preVote) becomePreCandidate(node);
  else becomeCandidate(node);
}

/** Counts a vote answer in the current round (the caller drops answers to earlier rounds). */
export function countVote(node: RaftNode, from: NodeId, granted: boolean): void {
  node.votes.set(from, granted);
  if (hasVoteQuorum(node.membership.voters, node.votes)) winCampaign(node);
  else if (hasRejectionQuorum(node.membership.voters, node.votes)) node.becomeFollower(node.term, NO_NODE);
}

function becomePreCandidate(node: RaftNode): void {
  // Pre-vote changes neither term nor vote: a node that cannot win disturbs no one.
  node.role = 'pre-candidate';
  node.leader = NO_NODE;
  startCampaign(node, true);
}

function becomeCandidate(node: RaftNode): void {
  node.term += 1;
  node.vote = node.id;
  node.role = 'candidate';
  node.leader = NO_NODE;
  startCampaign(node, false);
}

function startCampaign(node: RaftNode, pre: boolean): void {
  node.resetElectionTimer();
  node.votes = new Map([[node.id, true]]);
  if (hasVoteQuorum(node.membership.voters, node.votes)) {
    winCampaign(node);
    return;
  }
  const term = pre ? node.term + 1 : node.term;
  for (const peer of node.membership.voters) {
    if (peer === node.id) continue;
    node.send({ type: 'vote', from: node.id, to: peer, term, pre, lastLogIndex: node.log.lastIndex(), lastLogTerm: node.log.lastTerm() });
  }
}

/** A won pre-vote leads to the real election; a won election to leadership. */
function winCampaign(node: RaftNode): void {
  if (node.role === 'pre-candidate') becomeCandidate(node);
  else becomeLeader(node);
}

function becomeLeader(node: RaftNode): void {
  assert(node.role === 'candidate', 'only a candidate becomes leader');
  node.role = 'leader';
  node.leader = node.id;
  node.heartbeatElapsedTicks = 0;
  node.electionElapsedTicks = 0;
  node.progress.clear();
  node.uncommittedBytes.reset();
  for (const peer of node.members()) {
    if (peer !== node.id) node.progress.set(peer, new Progress(node.log.lastIndex() + 1));
  }
  // A new leader cannot count replicas of older-term entries (§5.4.2): it commits them by
  // committing an entry of its own term first.
  node.appendEntries([{ kind: 'noop', data: new Uint8Array(0) }]);
}
