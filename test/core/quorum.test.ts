import { describe, expect, it } from 'vitest';
import { hasRejectionQuorum, hasVoteQuorum, majority, quorumValue } from '../../src/core/quorum.js';
import type { NodeId } from '../../src/core/types.js';

const votesOf = (entries: Array<[NodeId, boolean]>): Map<NodeId, boolean> => new Map(entries);

describe('quorum counting over a voter list', () => {
  it('majority is more than half, for odd and even cluster sizes', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('quorumValue is the value a majority holds at or above', () => {
    expect(quorumValue([5, 3, 9])).toBe(5);
    expect(quorumValue([1, 7, 7, 2])).toBe(2); // 4 voters: the 3rd highest
    expect(quorumValue([4])).toBe(4);
    expect(quorumValue([])).toBe(0);
  });

  it('a vote quorum needs grants from a majority of voters; answers of non-voters do not count', () => {
    const voters = [1, 2, 3, 4];
    expect(hasVoteQuorum(voters, votesOf([[1, true], [2, true]]))).toBe(false);
    expect(hasVoteQuorum(voters, votesOf([[1, true], [2, true], [9, true]]))).toBe(false);
    expect(hasVoteQuorum(voters, votesOf([[1, true], [2, true], [3, true]]))).toBe(true);
    expect(hasVoteQuorum([1], votesOf([[1, true]]))).toBe(true);
  });

  it('a campaign is lost once the voters left cannot make a majority', () => {
    const voters = [1, 2, 3, 4, 5];
    expect(hasRejectionQuorum(voters, votesOf([[1, true], [2, false], [3, false]]))).toBe(false);
    expect(hasRejectionQuorum(voters, votesOf([[2, false], [3, false], [4, false]]))).toBe(true);
    // Even sizes: two refusals of four leave two, one short of a majority.
    expect(hasRejectionQuorum([1, 2, 3, 4], votesOf([[1, true], [2, false], [3, false]]))).toBe(true);
    expect(hasRejectionQuorum(voters, votesOf([[7, false], [8, false], [9, false]]))).toBe(false);
  });
});
