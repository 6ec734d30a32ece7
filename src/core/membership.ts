import { assert } from '../lib/assert.js';
import type { Membership } from './types.js';

/** Config entries carry a membership as: voter count, voters, learner count, learners (uint32 each). */
export function encodeMembership(membership: Membership): Uint8Array {
  const ids = [membership.voters.length, ...membership.voters, membership.learners.length, ...membership.learners];
  const bytes = new Uint8Array(ids.length * 4);
  const view = new DataView(bytes.buffer);
  ids.forEach((id, i) => view.setUint32(i * 4, id));
  return bytes;
}

export function decodeMembership(bytes: Uint8Array): Membership {
  assert(bytes.length % 4 === 0 && bytes.length >= 8, 'malformed membership entry');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (i: number): number => view.getUint32(i * 4);
  const voterCount = read(0);
  const voters = Array.from({ length: voterCount }, (_, i) => read(1 + i));
  const learnerCount = read(1 + voterCount);
  const learners = Array.from({ length: learnerCount }, (_, i) => read(2 + voterCount + i));
  assert(bytes.length === (2 + voterCount + learnerCount) * 4, 'malformed membership entry length');
  return { voters, learners };
}
