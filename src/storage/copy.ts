import type { Entry, HardState, Membership, Snapshot } from '../core/types.js';

/**
 * Deep copies of the plain-data types a storage keeps. Callers may reuse or mutate the arrays and
 * buffers they hand us (and those we hand back), so nothing crosses the port boundary by reference.
 */

export function copyEntry(entry: Entry): Entry {
  return { term: entry.term, index: entry.index, kind: entry.kind, data: entry.data.slice() };
}

export function copyHardState(hardState: HardState): HardState {
  return { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
}

export function copyMembership(membership: Membership): Membership {
  return { voters: membership.voters.slice(), learners: membership.learners.slice() };
}

export function copySnapshot(snapshot: Snapshot): Snapshot {
  return {
    meta: {
      index: snapshot.meta.index,
      term: snapshot.meta.term,
      membership: copyMembership(snapshot.meta.membership),
    },
    data: snapshot.data.slice(),
  };
}

export const EMPTY_HARD_STATE: Readonly<HardState> = Object.freeze({ term: 0, vote: 0, commit: 0 });
