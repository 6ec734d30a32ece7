/**
 * Renders the REPL's `status` table. Pure: rows in, text out. A node that is down has no live
 * state to report, so its numbers show as '-' rather than stale values that look current.
 */
import type { NodeId, Role } from '../core/types.js';

/** The fields of the cluster's per-node status that the table shows. */
export interface StatusRow {
  id: NodeId;
  role: Role;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  /** The latest snapshot's index (0: none yet). */
  snapshotIndex: number;
  leader: NodeId;
  up: boolean;
  paused: boolean;
}

const HEADERS = ['id', 'role', 'term', 'commit', 'applied', 'last index', 'snapshot', 'leader', 'state'] as const;

export function renderStatusTable(rows: readonly StatusRow[]): string {
  const sorted = [...rows].sort((x, y) => x.id - y.id);
  const cells = sorted.map(rowCells);
  const widths = HEADERS.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] as string).length)),
  );
  const lines = [HEADERS as readonly string[], ...cells].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join('  ')
      .trimEnd(),
  );
  return lines.join('\n');
}

function rowCells(row: StatusRow): string[] {
  const state = !row.up ? 'down' : row.paused ? 'paused' : 'up';
  if (!row.up) return [String(row.id), '-', '-', '-', '-', '-', '-', '-', state];
  return [
    String(row.id),
    row.role,
    String(row.term),
    String(row.commitIndex),
    String(row.appliedIndex),
    String(row.lastIndex),
    String(row.snapshotIndex),
    row.leader === 0 ? '-' : String(row.leader),
    state,
  ];
}
