import type { Entry, HardState, Membership, Snapshot } from '../core/types.js';
import { concatBytes } from '../lib/concat_bytes.js';
import { StorageCorruption } from '../ports/storage.js';
import { entryChecksum, hardStateChecksum, snapshotChecksum, type ChecksumAlgorithm } from './checksum.js';
import { kindFromCode } from './sqlite_schema.js';

/**
 * Turns rows read back from a node's database into port values, checking everything on the way:
 * types, checksums, a log contiguous from the snapshot on. Any failure is a StorageCorruption
 * that names the file and what is wrong; bad data is never served. Pure: no database access.
 */

export type Row = Record<string, unknown>;

function corrupt(file: string, what: string): never {
  throw new StorageCorruption(`${file}: ${what}; refusing to serve this data`);
}

function integer(row: Row, column: string, file: string, where: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    corrupt(file, `${where}: column ${column} holds ${String(value)}, not a non-negative integer`);
  }
  return value;
}

function blob(row: Row, column: string, file: string, where: string): Uint8Array {
  const value = row[column];
  if (!(value instanceof Uint8Array)) corrupt(file, `${where}: column ${column} is not a blob`);
  return value;
}

export function decodeMembership(json: unknown, file: string, where: string): Membership {
  let parsed: unknown;
  try {
    parsed = typeof json === 'string' ? JSON.parse(json) : undefined;
  } catch {
    parsed = undefined;
  }
  const isIdList = (v: unknown): v is number[] =>
    Array.isArray(v) && v.every((id) => typeof id === 'number' && Number.isSafeInteger(id) && id > 0);
  if (typeof parsed !== 'object' || parsed === null) corrupt(file, `${where}: membership is not valid JSON`);
  const { voters, learners } = parsed as { voters?: unknown; learners?: unknown };
  if (!isIdList(voters) || !isIdList(learners)) corrupt(file, `${where}: membership lacks voters/learners id lists`);
  return { voters, learners };
}

export function decodeHardState(row: Row | null, file: string): HardState {
  if (row === null) corrupt(file, 'the hard state row is missing');
  const term = integer(row, 'term', file, 'hard state');
  const vote = integer(row, 'vote', file, 'hard state');
  const commit = integer(row, 'commit_index', file, 'hard state');
  if (integer(row, 'checksum', file, 'hard state') !== hardStateChecksum(term, vote, commit)) {
    corrupt(file, 'hard state checksum mismatch');
  }
  return { term, vote, commit };
}

/**
 * The snapshot row, with its data inline (generation 0) or in chunk rows of its generation, which
 * `readChunks` returns ordered by seq.
 */
export function decodeSnapshot(
  row: Row | null,
  file: string,
  checksums: ChecksumAlgorithm,
  readChunks: (generation: number) => Row[],
): Snapshot | null {
  if (row === null) return null;
  const index = integer(row, 'idx', file, 'snapshot');
  const term = integer(row, 'term', file, 'snapshot');
  const generation = integer(row, 'generation', file, 'snapshot');
  const membershipJson = row['membership'];
  const data = generation === 0 ? blob(row, 'data', file, 'snapshot') : joinChunks(readChunks(generation), file, index);
  const membership = decodeMembership(membershipJson, file, `snapshot at ${index}`);
  const checksum = integer(row, 'checksum', file, 'snapshot');
  if (checksum !== snapshotChecksum(checksums, index, term, membershipJson as string, data)) {
    corrupt(file, `snapshot at index ${index} checksum mismatch`);
  }
  return { meta: { index, term, membership }, data };
}

function joinChunks(rows: Row[], file: string, index: number): Uint8Array {
  const chunks = rows.map((row, i) => {
    if (integer(row, 'seq', file, `snapshot at ${index}`) !== i) corrupt(file, `snapshot at index ${index}: chunk ${i} is missing`);
    return blob(row, 'data', file, `snapshot at ${index} chunk ${i}`);
  });
  if (chunks.length === 0) corrupt(file, `snapshot at index ${index}: its chunks are missing`);
  return concatBytes(chunks);
}

/** Entries must run without a hole from snapshotIndex + 1, with non-decreasing terms. */
export function decodeEntries(rows: Row[], snapshot: Snapshot | null, file: string, checksums: ChecksumAlgorithm): Entry[] {
  const out: Entry[] = new Array<Entry>(rows.length);
  let expectedIndex = (snapshot?.meta.index ?? 0) + 1;
  let previousTerm = snapshot?.meta.term ?? 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Row;
    const index = integer(row, 'idx', file, 'log entry');
    const where = `log entry ${index}`;
    if (index !== expectedIndex) {
      corrupt(file, `log hole: expected entry ${expectedIndex}, found ${index} (snapshot at ${expectedIndex - i - 1})`);
    }
    const term = integer(row, 'term', file, where);
    const code = integer(row, 'kind', file, where);
    const kind = kindFromCode(code);
    const data = blob(row, 'data', file, where);
    if (kind === undefined) corrupt(file, `${where}: unknown kind code ${code}`);
    if (integer(row, 'checksum', file, where) !== entryChecksum(checksums, index, term, code, data)) {
      corrupt(file, `${where}: checksum mismatch (data or header altered)`);
    }
    if (term < previousTerm) corrupt(file, `${where}: term ${term} is lower than the previous term ${previousTerm}`);
    out[i] = { index, term, kind, data };
    expectedIndex++;
    previousTerm = term;
  }
  return out;
}

/** A commit index past the end of the log means acknowledged entries were lost. */
export function checkCommitCovered(hardState: HardState, lastIndex: number, file: string): void {
  if (hardState.commit > lastIndex) {
    corrupt(file, `commit index ${hardState.commit} is past the last stored index ${lastIndex} (entries lost)`);
  }
}
