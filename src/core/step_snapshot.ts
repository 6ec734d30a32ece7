import { assert } from '../lib/assert.js';
import { maybeCommit } from './leader_quorum.js';
import type { Progress } from './progress.js';
import type { RaftNode } from './raft_node.js';
import type { NodeId, SnapshotRequest, SnapshotResponse } from './types.js';
import { concatBytes } from '../lib/concat_bytes.js';

/** A transfer in progress on the follower: chunks received so far, kept in memory until complete. */
export interface IncomingSnapshot {
  request: SnapshotRequest;
  chunks: Uint8Array[];
  receivedBytes: number;
}

/**
 * Follower side of InstallSnapshot. Chunks must arrive in order; a lost or repeated chunk is
 * answered with the offset we want next, so the leader resumes there. The snapshot is installed
 * only once complete: a crash mid-transfer leaves the old state, and the install itself is one
 * Ready (store, then restore).
 */
export function handleSnapshotRequest(node: RaftNode, message: SnapshotRequest): void {
  const { meta } = message;
  const reply = (installed: boolean, nextOffset: number): void => node.send(snapshotResponse(node, message, installed, nextOffset));
  if (meta.index <= node.log.commitIndex) return reply(true, 0);
  if (node.log.matchTerm(meta.index, meta.term)) {
    // We hold the snapshot's last entry: committing up to it is all that is needed.
    node.log.commitTo(meta.index);
    return reply(true, 0);
  }
  if (message.totalBytes > node.config.snapshotBytesMax) return; // cannot take it; status shows the lag
  let incoming = node.incomingSnapshot;
  if (incoming === null || !sameTransfer(incoming.request, message)) {
    if (message.offset !== 0) return reply(false, 0);
    incoming = { request: message, chunks: [], receivedBytes: 0 };
    node.incomingSnapshot = incoming;
  }
  if (message.offset !== incoming.receivedBytes) return reply(false, incoming.receivedBytes);
  if (incoming.receivedBytes + message.chunk.length > message.totalBytes) {
    node.incomingSnapshot = null;
    return reply(false, 0);
  }
  incoming.chunks.push(message.chunk);
  incoming.receivedBytes += message.chunk.length;
  if (!message.done) return reply(false, incoming.receivedBytes);
  node.incomingSnapshot = null;
  if (incoming.receivedBytes !== message.totalBytes) return reply(false, 0);
  node.installSnapshot({ meta, data: concatBytes(incoming.chunks) });
  reply(true, 0);
}

/**
 * Chunks continue a transfer only when they come from the same leader, in the same term, for the
 * same snapshot. Two nodes' snapshots at one index hold the same state but not the same bytes (they
 * are encoded at different moments), so splicing one leader's bytes onto another's would corrupt
 * the follower: after a leader change the transfer starts over.
 */
function sameTransfer(first: SnapshotRequest, next: SnapshotRequest): boolean {
  return (
    first.from === next.from &&
    first.term === next.term &&
    first.meta.index === next.meta.index &&
    first.meta.term === next.meta.term &&
    first.totalBytes === next.totalBytes
  );
}

function snapshotResponse(node: RaftNode, request: SnapshotRequest, installed: boolean, nextOffset: number): SnapshotResponse {
  return {
    type: 'snapshot-response',
    from: node.id,
    to: request.from,
    term: node.term,
    snapshotIndex: request.meta.index,
    snapshotTerm: request.meta.term,
    nextOffset,
    installed,
  };
}

/** Leader side: the follower installed the snapshot (back to appends) or wants another chunk. */
export function handleSnapshotResponse(node: RaftNode, message: SnapshotResponse): void {
  const pr = node.progress.get(message.from);
  if (!pr) return;
  pr.recentActive = true;
  if (message.installed) {
    pr.acknowledge(message.snapshotIndex);
    if (pr.state === 'snapshot') pr.becomeProbe();
    maybeCommit(node);
    node.appendsPending = true;
    return;
  }
  if (pr.state !== 'snapshot' || message.snapshotIndex !== pr.snapshotIndex) return; // a stale answer
  pr.snapshotOffset = message.nextOffset;
  pr.snapshotChunkInFlight = false;
  node.appendsPending = true;
}

export function sendSnapshotChunk(node: RaftNode, to: NodeId, pr: Progress): void {
  // A transfer finishes with the snapshot it started with, even when the leader takes newer ones
  // meanwhile: restarting with each new snapshot could keep a slow follower from ever finishing.
  const snapshot = pr.snapshotBeingSent;
  assert(snapshot !== null, () => `snapshot transfer to ${to} without a snapshot`);
  const totalBytes = snapshot.data.length;
  const offset = Math.min(pr.snapshotOffset, totalBytes);
  const end = Math.min(offset + node.config.snapshotChunkBytesMax, totalBytes);
  node.send({
    type: 'snapshot',
    from: node.id,
    to,
    term: node.term,
    meta: snapshot.meta,
    offset,
    totalBytes,
    chunk: snapshot.data.subarray(offset, end),
    done: end === totalBytes,
  });
  pr.sentSnapshotChunk();
}

/** Leader tick: a chunk not acknowledged in time is sent again. */
export function tickSnapshotTransfers(node: RaftNode): void {
  for (const pr of node.progress.values()) {
    if (pr.state !== 'snapshot' || !pr.snapshotChunkInFlight) continue;
    if (++pr.snapshotChunkElapsedTicks >= node.config.snapshotChunkTimeoutTicks) {
      pr.snapshotChunkInFlight = false;
      node.appendsPending = true;
    }
  }
}
