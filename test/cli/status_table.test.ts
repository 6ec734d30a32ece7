import { describe, it, expect } from 'vitest';
import { renderStatusTable, type StatusRow } from '../../src/cli/status_table.js';

function row(id: number, overrides: Partial<StatusRow> = {}): StatusRow {
  return {
    id,
    role: 'follower',
    term: 3,
    commitIndex: 12,
    appliedIndex: 12,
    lastIndex: 12,
    snapshotIndex: 0,
    leader: 1,
    up: true,
    paused: false,
    ...overrides,
  };
}

describe('renderStatusTable', () => {
  it('shows one aligned row per node, sorted by id, under a header', () => {
    const table = renderStatusTable([
      row(3, { appliedIndex: 11 }),
      row(1, { role: 'leader', lastIndex: 130, snapshotIndex: 100 }),
      row(2, { up: false }),
    ]);
    expect(table).toBe(
      [
        'id  role      term  commit  applied  last index  snapshot  leader  state',
        '1   leader    3     12      12       130         100       1       up',
        '2   -         -     -       -        -           -         -       down',
        '3   follower  3     12      11       12          0         1       up',
      ].join('\n'),
    );
  });
  it('marks paused nodes and shows no leader as -', () => {
    const table = renderStatusTable([row(1, { paused: true, leader: 0, role: 'pre-candidate' })]);
    expect(table.split('\n')[1]).toBe('1   pre-candidate  3     12      12       12          0         -       paused');
  });
  it('renders just the header for an empty cluster', () => {
    expect(renderStatusTable([])).toBe('id  role  term  commit  applied  last index  snapshot  leader  state');
  });
});
