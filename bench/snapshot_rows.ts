/** Snapshot rows for the runner, from bench/snapshot_bench.ts: event-loop holds, catch-up, disk use. */
import type { BenchRow } from './report.js';
import { benchCatchUp, benchDiskBounded, benchSnapshotStalls } from './snapshot_bench.js';

export async function benchSnapshots(full: boolean, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const row = (caseName: string, value: number, unit: string, note?: string): void => {
    rows.push({ section: 'snapshots', setup: 'snapshots', case: caseName, value, unit, ...(note === undefined ? {} : { note }) });
  };
  log('snapshots: event-loop holds');
  const s = benchSnapshotStalls();
  const stateMb = `state ${(s.stateBytes / 1e6).toFixed(0)} MB`;
  row('longest hold, one synchronous snapshot + store (before)', Math.max(s.before.snapshotMs, s.before.saveSnapshotMs), 'ms', stateMb);
  row('longest hold, stepped snapshot (encode, write, garbage)', Math.max(s.after.encode.maxMs, s.after.write.maxMs, s.after.garbage.maxMs, s.after.captureMs, s.after.commitMs), 'ms', stateMb);
  // Past the snapshot threshold (50,000 entries by default), so the follower needs InstallSnapshot.
  const writes = full ? 100_000 : 60_000;
  log(`snapshots: follower catch-up after ${writes} writes`);
  const c = await benchCatchUp(writes);
  row(`follower down during ${writes} writes: catch-up after restart`, c.catchUpMs, 'ms', `${c.installs} install(s), leader stall max ${c.leaderStallMaxMs.toFixed(0)} ms`);
  if (full) {
    log('snapshots: disk use under steady overwrites, 2 minutes');
    const d = await benchDiskBounded(2);
    row('data dir size under steady overwrites, 2 min (median)', d.medianBytes / 1e6, 'MB', `max ${(d.maxBytes / 1e6).toFixed(0)} MB`);
  }
  return rows;
}
