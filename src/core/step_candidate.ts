import { countVote } from './election.js';
import type { Message } from './types.js';
import type { RaftNode } from './raft_node.js';
import { handleAppend, handleHeartbeat } from './step_follower.js';
import { handleSnapshotRequest } from './step_snapshot.js';

/** Pre-candidates and candidates: count votes; a leader of our term turns us into its follower. */
export function stepCandidate(node: RaftNode, message: Message): void {
  switch (message.type) {
    case 'append':
      node.becomeFollower(message.term, message.from);
      handleAppend(node, message);
      break;
    case 'heartbeat':
      node.becomeFollower(message.term, message.from);
      handleHeartbeat(node, message);
      break;
    case 'snapshot':
      node.becomeFollower(message.term, message.from);
      handleSnapshotRequest(node, message);
      break;
    case 'vote-response': {
      if (message.pre !== (node.role === 'pre-candidate')) return; // a response to an earlier round
      countVote(node, message.from, message.granted);
      break;
    }
    default:
      break;
  }
}
