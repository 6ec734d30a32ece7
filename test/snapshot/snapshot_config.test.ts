/** The snapshot policy a user gives (cluster options, node config), and the REPL's snapshot verbs. */
import { describe, expect, it } from 'vitest';
import { parseReplLine } from '../../src/cli/repl_parse.js';
import { renderLogSizeTable } from '../../src/cli/repl_logsize.js';
import { startCluster } from '../../src/index.js';
import { DEFAULT_SNAPSHOT_POLICY, resolveSnapshotPolicy } from '../../src/runtime/snapshot_policy.js';

describe('snapshot policy', () => {
  it('fills missing fields from the defaults', () => {
    expect(resolveSnapshotPolicy(undefined)).toEqual({ ok: true, policy: DEFAULT_SNAPSHOT_POLICY });
    expect(resolveSnapshotPolicy({ bytesThreshold: 1024 })).toEqual({ ok: true, policy: { ...DEFAULT_SNAPSHOT_POLICY, bytesThreshold: 1024 } });
  });

  it('names the bad field', () => {
    expect(resolveSnapshotPolicy({ entriesThreshold: 0 })).toMatchObject({ ok: false, message: expect.stringMatching(/entriesThreshold must be a positive integer/) });
    expect(resolveSnapshotPolicy({ retainEntries: -1 })).toMatchObject({ ok: false, message: expect.stringMatching(/retainEntries must be an integer >= 0/) });
    expect(resolveSnapshotPolicy({ bytesThreshold: Number.NaN })).toMatchObject({ ok: false });
  });

  it('startCluster refuses a bad policy before starting any worker', async () => {
    await expect(startCluster({ nodes: 3, snapshotPolicy: { entriesThreshold: 1.5 } })).rejects.toThrow(/snapshotPolicy.entriesThreshold/);
  });
});

describe('REPL snapshot verbs', () => {
  it('parses snapshot with or without a node, and logsize', () => {
    expect(parseReplLine('snapshot')).toEqual({ ok: true, command: { type: 'snapshot', node: null } });
    expect(parseReplLine('SNAPSHOT 2')).toEqual({ ok: true, command: { type: 'snapshot', node: 2 } });
    expect(parseReplLine('snapshot two')).toEqual({ ok: false, error: "'two' is not a node id (a positive integer)" });
    expect(parseReplLine('snapshot 1 2')).toMatchObject({ ok: false, error: expect.stringMatching(/^usage: snapshot \[NODE\]/) });
    expect(parseReplLine('logsize')).toEqual({ ok: true, command: { type: 'logsize' } });
  });

  it('logsize shows where each log starts and ends, its snapshot and recovery time', () => {
    const table = renderLogSizeTable([
      { id: 2, up: false, firstIndex: 40, lastIndex: 90, snapshotIndex: 45, recoveryMs: 120 },
      { id: 1, up: true, firstIndex: 901, lastIndex: 1000, snapshotIndex: 950, recoveryMs: 85 },
      { id: 3, up: true, lastIndex: 7 },
    ]);
    expect(table).toBe(
      [
        'id  first index  last index  entries  snapshot index  recovery ms  state',
        '1   901          1000        100      950             85           up',
        '2   40           90          51       45              120          down',
        '3   -            7           -        -               -            up',
      ].join('\n'),
    );
  });
});
