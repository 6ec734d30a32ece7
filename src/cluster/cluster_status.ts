/** Pure helpers over status snapshots: who leads, and what a node that is down looks like. */
import { NO_NODE, type NodeId } from '../core/types.js';
import type { NodeEndpoints, RuntimeStatus } from '../runtime/node_config.js';
import type { ClusterNodeStatus } from './cluster_types.js';

/**
 * The leader of the highest term seen among up nodes: a node that is up, says it leads, and
 * whose term no other up node has passed. A deposed leader that has not heard the news (paused
 * or cut off) has a lower term than the new one and is not reported.
 */
export function leaderOf(statuses: readonly ClusterNodeStatus[]): NodeId | null {
  const up = statuses.filter((status) => status.up);
  if (up.length === 0) return null;
  const highestTerm = Math.max(...up.map((status) => status.term));
  const leader = up.find((status) => status.role === 'leader' && status.term === highestTerm);
  return leader === undefined ? null : leader.id;
}

export function upStatus(status: RuntimeStatus, endpoints: NodeEndpoints): ClusterNodeStatus {
  return { ...status, up: true, endpoints };
}

/** A node that is down has no live role: keep its last known indexes, clear what was volatile. */
export function downStatus(id: NodeId, last: ClusterNodeStatus | null, endpoints: NodeEndpoints): ClusterNodeStatus {
  const base: ClusterNodeStatus = last ?? {
    id,
    role: 'follower',
    term: 0,
    leader: NO_NODE,
    commitIndex: 0,
    appliedIndex: 0,
    lastIndex: 0,
    firstIndex: 1,
    snapshotIndex: 0,
    membership: { voters: [], learners: [] },
    pendingProposals: 0,
    pendingReads: 0,
    up: false,
    paused: false,
    endpoints,
    eventLoopStallMaxMs: 0,
    flushMaxMs: 0,
    recoveryMs: 0,
    snapshotStepMaxMs: 0,
  };
  return {
    ...base,
    role: 'follower',
    leader: NO_NODE,
    pendingProposals: 0,
    pendingReads: 0,
    up: false,
    paused: false,
    endpoints,
    eventLoopStallMaxMs: 0,
    flushMaxMs: 0,
    snapshotStepMaxMs: 0,
  };
}
