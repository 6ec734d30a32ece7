import type { RaftNode } from './raft_node.js';
import { handleSnapshotRequest } from './step_snapshot.js';
import { entryBytes } from './raft_log.js';
import type { AppendRequest, AppendResponse, HeartbeatRequest, Message } from './types.js';

export function stepFollower(node: RaftNode, message: Message): void {
  switch (message.type) {
    case 'append':
      // Negative while the leader may still be writing what it sent (RaftConfig.appendGraceBytesPerTick).
      // An append keeps a longer grace still running: several may leave before the leader's one write
      // of them all. A heartbeat, sent only once the leader is free again, ends it.
      node.electionElapsedTicks = Math.min(node.electionElapsedTicks, 0, -node.appendGraceTicks(entryBytes(message.entries)));
      node.leader = message.from;
      handleAppend(node, message);
      break;
    case 'heartbeat':
      node.electionElapsedTicks = 0;
      node.leader = message.from;
      handleHeartbeat(node, message);
      break;
    case 'snapshot':
      node.electionElapsedTicks = 0;
      node.leader = message.from;
      handleSnapshotRequest(node, message);
      break;
    default:
      break; // responses are for leaders and candidates; a late one is harmless
  }
}

/** The consistency check of AppendEntries, with a conflict hint for fast back-off on rejection. */
export function handleAppend(node: RaftNode, message: AppendRequest): void {
  const log = node.log;
  let prevIndex = message.prevLogIndex;
  let prevTerm = message.prevLogTerm;
  let entries = message.entries;
  if (prevIndex < log.commitIndex) {
    // Our committed prefix matches every leader's log: skip what it covers.
    const skip = Math.min(log.commitIndex - prevIndex, entries.length);
    entries = entries.slice(skip);
    prevIndex += skip;
    prevTerm = skip > 0 ? (message.entries[skip - 1]?.term ?? prevTerm) : prevTerm;
    if (prevIndex < log.commitIndex) {
      prevIndex = log.commitIndex;
      prevTerm = log.term(prevIndex) as number;
    }
  }
  if (log.matchTerm(prevIndex, prevTerm)) {
    const lastNew = log.appendFromLeader(prevIndex, entries);
    log.commitTo(Math.min(message.commit, lastNew));
    node.send(appendResponse(node, message, true, lastNew, 0, 0));
    return;
  }
  let conflictIndex: number;
  let conflictTerm: number;
  if (prevIndex > log.lastIndex()) {
    conflictIndex = log.lastIndex() + 1;
    conflictTerm = 0;
  } else {
    conflictTerm = log.term(prevIndex) as number;
    conflictIndex = Math.max(log.firstIndexOfTermAt(prevIndex), log.commitIndex + 1);
  }
  node.send(appendResponse(node, message, false, 0, conflictIndex, conflictTerm));
}

// Written out field by field: object spread here showed up as a sixth of simulator CPU.
function appendResponse(node: RaftNode, request: AppendRequest, success: boolean, matchIndex: number, conflictIndex: number, conflictTerm: number): AppendResponse {
  return {
    type: 'append-response',
    from: node.id,
    to: request.from,
    term: node.term,
    success,
    matchIndex,
    rejectedIndex: success ? 0 : request.prevLogIndex,
    conflictIndex,
    conflictTerm,
  };
}

export function handleHeartbeat(node: RaftNode, message: HeartbeatRequest): void {
  // The leader sends min(our match, its commit), so this never commits an entry we do not share.
  node.log.commitTo(Math.min(message.commit, node.log.lastIndex()));
  node.send({
    type: 'heartbeat-response',
    from: node.id,
    to: message.from,
    term: node.term,
    readSeq: message.readSeq,
    lastLogIndex: node.log.lastIndex(),
    lastLogTerm: node.log.lastTerm(),
  });
}
