import { describe, expect, it } from 'vitest';
import { describePartition } from '../../src/cli/repl_exec.js';

describe('the REPL describes a partition as the cluster sees it', () => {
  it('names the nodes left out as cut off alone', () => {
    expect(describePartition([[1, 2, 3]], [1, 2, 3, 4, 5])).toBe('partitioned: {1,2,3} | {4} | {5}');
  });

  it('warns when no group can elect a leader', () => {
    expect(describePartition([[1, 2], [3]], [1, 2, 3, 4, 5])).toBe(
      'partitioned: {1,2} | {3} | {4} | {5}; no group holds a majority (3 of 5): no leader until heal',
    );
  });
});
