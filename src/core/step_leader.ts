import { assert } from '../lib/assert.js';
import { maybeCommit, releaseConfirmedReads } from './leader_quorum.js';
import type { Progress } from './progress.js';
import { entryBytes } from './raft_log.js';
import type { RaftNode } from './raft_node.js';
import type { AppendResponse, HeartbeatResponse, Message, NodeId } from './types.js';
import { handleSnapshotResponse, sendSnapshotChunk } from './step_snapshot.js';

/** Heartbeat intervals without progress while appends are in flight before we assume one was lost. */
const STALLED_HEARTBEATS_BEFORE_PROBE = 2;
/**
 * The same, when the follower's log already holds everything we sent: it is most likely still
 * syncing it (its acknowledgements follow durability), so resending would only repeat entries it
 * has. It may also have lost its acknowledgement, which only a resend brings back: so we still
 * resend, later.
 */
const STALLED_HEARTBEATS_WHILE_HELD = 10;

export function stepLeader(node: RaftNode, message: Message): void {
  switch (message.type) {
    case 'append-response':
      handleAppendResponse(node, message);
      break;
    case 'heartbeat-response':
      handleHeartbeatResponse(node, message);
      break;
    case 'snapshot-response':
      handleSnapshotResponse(node, message);
      break;
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      assert(false, () => `two leaders in term ${node.term}: ${node.id} and ${message.from}`);
      break;
    default:
      break; // late vote responses
  }
}

function handleAppendResponse(node: RaftNode, message: AppendResponse): void {
  const pr = node.progress.get(message.from);
  if (!pr) return;
  pr.recentActive = true;
  if (pr.state === 'snapshot') {
    // Answers to appends sent before the transfer began: only an acknowledgement is of use.
    if (message.success && pr.acknowledge(message.matchIndex)) maybeCommit(node);
    return;
  }
  if (message.success) {
    const progressed = pr.acknowledge(message.matchIndex);
    // Any success means the follower's log matches ours up to its match index: pipeline from there.
    if (pr.state === 'probe') pr.becomeReplicate();
    if (progressed) {
      pr.stalledHeartbeats = 0;
      maybeCommit(node);
    }
    node.appendsPending = true;
    return;
  }
  // Ignore rejections of appends we have already moved past.
  if (pr.state === 'replicate' && message.rejectedIndex <= pr.matchIndex) return;
  if (pr.state === 'probe' && message.rejectedIndex !== pr.nextIndex - 1) return;
  let next = message.conflictIndex;
  if (message.conflictTerm > 0) {
    const ours = node.log.lastIndexOfTerm(message.conflictTerm);
    if (ours > 0) next = ours + 1;
  }
  pr.becomeProbe();
  pr.nextIndex = Math.max(pr.matchIndex + 1, Math.min(next, message.rejectedIndex));
  node.appendsPending = true;
}

function handleHeartbeatResponse(node: RaftNode, message: HeartbeatResponse): void {
  const pr = node.progress.get(message.from);
  if (!pr) return;
  pr.recentActive = true;
  pr.probeSent = false; // a lost probe is retried once per heartbeat
  if (node.isVoter(message.from)) {
    node.reads.ack(message.from, message.readSeq);
    releaseConfirmedReads(node);
  }
  if (pr.stallCheckDue) {
    pr.stallCheckDue = false;
    checkStalled(node, pr, message);
  }
  if (pr.matchIndex < node.log.lastIndex()) node.appendsPending = true;
}

/**
 * Pipelined appends (or their acknowledgements) that were lost leave the follower waiting for
 * entries we think are in flight; without progress across heartbeat intervals, restart from what
 * it has acknowledged.
 */
function checkStalled(node: RaftNode, pr: Progress, message: HeartbeatResponse): void {
  if (pr.state === 'replicate' && pr.inflightCount() > 0 && pr.matchIndex === pr.matchAtLastHeartbeat) {
    const patience = holdsAllSent(node, pr, message) ? STALLED_HEARTBEATS_WHILE_HELD : STALLED_HEARTBEATS_BEFORE_PROBE;
    if (++pr.stalledHeartbeats >= patience) pr.becomeProbe();
  } else {
    pr.stalledHeartbeats = 0;
  }
  pr.matchAtLastHeartbeat = pr.matchIndex;
}

/** The follower's log ends at or past our last sent entry, on our log (Log Matching: it holds all of it). */
function holdsAllSent(node: RaftNode, pr: Progress, message: HeartbeatResponse): boolean {
  return message.lastLogIndex >= pr.nextIndex - 1 && node.log.matchTerm(message.lastLogIndex, message.lastLogTerm);
}

/** Heartbeats to every follower: `timed` for the heartbeat interval's, else a read round's. */
export function broadcastHeartbeats(node: RaftNode, timed: boolean): void {
  for (const [peer, pr] of node.progress) {
    if (timed) pr.stallCheckDue = true;
    const commit = Math.min(pr.matchIndex, node.log.commitIndex);
    pr.commitSentIndex = Math.max(pr.commitSentIndex, commit);
    node.send({ type: 'heartbeat', from: node.id, to: peer, term: node.term, commit, readSeq: node.reads.currentRound() });
  }
}

/** Sends whatever each follower can take now: batched and pipelined under its window. */
export function maybeSendAppends(node: RaftNode): void {
  if (!node.appendsPending) return;
  node.appendsPending = false;
  const { inflightAppendsMax, inflightBytesMax } = node.config;
  const lastIndex = node.log.lastIndex();
  for (const [peer, pr] of node.progress) {
    // The entries this follower needs next were compacted away: it gets our snapshot instead.
    if (pr.state !== 'snapshot' && pr.nextIndex <= node.log.snapshotIndex) {
      assert(node.snapshot !== null, () => `follower ${peer} needs compacted entries but the leader has no snapshot`);
      pr.becomeSnapshot(node.snapshot);
    }
    if (pr.state === 'snapshot') {
      if (!pr.snapshotChunkInFlight) sendSnapshotChunk(node, peer, pr);
      continue;
    }
    let sent = false;
    while (!pr.isPaused(inflightAppendsMax, inflightBytesMax) && (pr.nextIndex <= lastIndex || pr.state === 'probe')) {
      sendAppend(node, peer, pr);
      sent = true;
    }
    // A follower that has everything still needs to learn the new commit index.
    if (!sent && pr.matchIndex === lastIndex && pr.commitSentIndex < node.log.commitIndex && !pr.isPaused(inflightAppendsMax, inflightBytesMax)) {
      sendAppend(node, peer, pr);
    }
  }
}

function sendAppend(node: RaftNode, to: NodeId, pr: Progress): void {
  const log = node.log;
  const prevLogIndex = pr.nextIndex - 1;
  const prevLogTerm = log.term(prevLogIndex);
  assert(prevLogTerm !== undefined, () => `append to ${to} after compacted index ${prevLogIndex}`);
  const entries = pr.nextIndex <= log.lastIndex() ? log.slice(pr.nextIndex, log.lastIndex(), node.config.appendBytesMax) : [];
  const bytes = entryBytes(entries);
  // The follower will be busy writing these: check-quorum waits as long as it does (RaftConfig.appendGraceBytesPerTick).
  // No grace leaves the timer alone: an append is no answer from a quorum.
  const graceTicks = node.appendGraceTicks(bytes);
  if (graceTicks > 0) node.electionElapsedTicks = Math.min(node.electionElapsedTicks, -graceTicks);
  const commit = log.commitIndex;
  node.send({ type: 'append', from: node.id, to, term: node.term, prevLogIndex, prevLogTerm, entries, commit });
  pr.commitSentIndex = commit;
  pr.sentAppend(prevLogIndex + entries.length, bytes);
}
