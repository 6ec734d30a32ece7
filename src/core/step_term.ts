import type { RaftNode } from './raft_node.js';
import { NO_NODE, type Message, type VoteRequest } from './types.js';

/**
 * What any node does with messages from other terms, and with vote requests: the rules every
 * role shares, before the role's own step handler runs.
 */

/** Decides what a message from a higher term does to us; false means ignore it. */
export function acceptHigherTerm(node: RaftNode, message: Message): boolean {
  if (message.type === 'vote') {
    // Check-quorum's lease: while we hear from a live leader, a candidate's vote request (or
    // pre-vote) is ignored, so a rejoining node with an inflated term cannot depose it.
    if (node.inVoteLease()) return false;
    if (message.pre) return true; // a pre-vote never changes our term
  }
  if (message.type === 'vote-response' && message.pre && message.granted) return true;
  const leader = message.type === 'append' || message.type === 'heartbeat' ? message.from : NO_NODE;
  node.becomeFollower(message.term, leader);
  return true;
}

export function answerLowerTerm(node: RaftNode, message: Message): void {
  if ((node.config.checkQuorum || node.config.preVote) && (message.type === 'append' || message.type === 'heartbeat')) {
    // A stale leader (e.g. one that was partitioned away) learns our term and steps down.
    node.send({ type: 'append-response', from: node.id, to: message.from, term: node.term, success: false, matchIndex: 0, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 });
  } else if (message.type === 'vote' && message.pre) {
    node.send({ type: 'vote-response', from: node.id, to: message.from, term: node.term, pre: true, granted: false });
  }
}

/** One vote per term, to a candidate whose log is at least as up to date as ours (§5.4.1). */
export function handleVoteRequest(node: RaftNode, message: VoteRequest): void {
  const alreadyVotedForIt = node.vote === message.from;
  const free = node.vote === NO_NODE && node.leader === NO_NODE;
  const futureTerm = message.pre && message.term > node.term;
  const canVote = alreadyVotedForIt || free || futureTerm || node.config.unsafe?.doubleVote === true;
  const granted = canVote && node.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
  // A granted pre-vote answers in the term the candidate asked about; anything else in ours.
  const term = granted && message.pre ? message.term : node.term;
  if (granted && !message.pre) {
    node.electionElapsedTicks = 0;
    node.vote = message.from;
  }
  node.send({ type: 'vote-response', from: node.id, to: message.from, term, pre: message.pre, granted });
}
