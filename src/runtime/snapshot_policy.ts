/** The snapshot policy of a running node: defaults, and a clear error for a bad one. */
import { DEFAULT_SNAPSHOT_POLICY, type SnapshotPolicy } from '../node/types.js';

export { DEFAULT_SNAPSHOT_POLICY, type SnapshotPolicy };

/** The policy with defaults filled in; a message naming the bad field otherwise. */
export function resolveSnapshotPolicy(given: Partial<SnapshotPolicy> | undefined): { ok: true; policy: SnapshotPolicy } | { ok: false; message: string } {
  if (given === undefined) return { ok: true, policy: { ...DEFAULT_SNAPSHOT_POLICY } };
  if (given === null || typeof given !== 'object') return { ok: false, message: 'snapshotPolicy must be an object' };
  const policy = { ...DEFAULT_SNAPSHOT_POLICY, ...given };
  for (const field of ['entriesThreshold', 'bytesThreshold'] as const) {
    const value = policy[field];
    if (!(Number.isSafeInteger(value) && value >= 1) && value !== Number.POSITIVE_INFINITY) {
      return { ok: false, message: `snapshotPolicy.${field} must be a positive integer (or Infinity: never by this measure), got ${String(value)}` };
    }
  }
  if (!Number.isSafeInteger(policy.retainEntries) || policy.retainEntries < 0) {
    return { ok: false, message: `snapshotPolicy.retainEntries must be an integer >= 0, got ${String(policy.retainEntries)}` };
  }
  return { ok: true, policy };
}
