/**
 * The REPL's `logsize` table: where each node's log starts and ends, its snapshot, and how long
 * it took to recover from disk at its last start. Pure: rows in, text out; unknown numbers show as '-'.
 */
import type { NodeId } from '../core/types.js';

export interface LogSizeRow {
  id: NodeId;
  up: boolean;
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  recoveryMs: number;
}

const HEADERS = ['id', 'first index', 'last index', 'entries', 'snapshot index', 'recovery ms', 'state'] as const;

export function renderLogSizeTable(rows: ReadonlyArray<Pick<LogSizeRow, 'id' | 'up' | 'lastIndex'> & Partial<LogSizeRow>>): string {
  const cells = [...rows].sort((x, y) => x.id - y.id).map((row) => {
    const number = (value: number | undefined): string => (value === undefined ? '-' : String(value));
    const entries = row.firstIndex === undefined ? undefined : Math.max(0, row.lastIndex - row.firstIndex + 1);
    return [String(row.id), number(row.firstIndex), String(row.lastIndex), number(entries), number(row.snapshotIndex), number(row.recoveryMs), row.up ? 'up' : 'down'];
  });
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...cells.map((row) => (row[column] as string).length)));
  return [HEADERS as readonly string[], ...cells]
    .map((row) => row.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd())
    .join('\n');
}
