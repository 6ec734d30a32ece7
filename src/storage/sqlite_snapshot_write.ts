import type { Snapshot } from '../core/types.js';
import { extendChecksum, snapshotHeaderChecksum, type ChecksumAlgorithm } from './checksum.js';
import { SQL } from './sqlite_schema.js';

/** Bytes of snapshot data per chunk row (and per write step: one transaction each). */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;

/** The few database calls a staged write needs (kept structural: one module imports SQLite). */
export type SqlValue = number | string | Uint8Array;
export interface SqlRunner {
  run(sql: string, values?: SqlValue[]): unknown;
}

/**
 * A snapshot written in bounded steps: each step() stores one chunk under a fresh generation in
 * its own transaction (and extends the checksum), so no single call holds the event loop for
 * long; commit() then points the snapshot row at the new generation in one small transaction.
 * A crash before commit leaves the old snapshot and the whole log (the staged chunks are garbage
 * that load ignores); a crash after it leaves the new one. Nothing is deleted here: replaced
 * chunks and compacted entries go in later collectGarbage() steps.
 */
export class StagedSnapshotWrite {
  readonly snapshot: Snapshot;
  readonly generation: number;
  private readonly db: SqlRunner;
  private readonly membershipJson: string;
  private readonly checksums: ChecksumAlgorithm;
  private checksum: number;
  private offset = 0;
  private seq = 0;

  constructor(db: SqlRunner, snapshot: Snapshot, generation: number, checksums: ChecksumAlgorithm) {
    this.db = db;
    this.checksums = checksums;
    this.snapshot = snapshot;
    this.generation = generation;
    const { index, term, membership } = snapshot.meta;
    this.membershipJson = JSON.stringify({ voters: membership.voters, learners: membership.learners });
    this.checksum = snapshotHeaderChecksum(index, term, this.membershipJson); // each chunk extends it
  }

  get done(): boolean {
    return this.offset >= this.snapshot.data.length && this.seq > 0;
  }

  /** Writes the next chunk; true once every chunk is staged. */
  step(): boolean {
    if (this.done) return true;
    const data = this.snapshot.data;
    const chunk = data.subarray(this.offset, Math.min(data.length, this.offset + SNAPSHOT_CHUNK_BYTES));
    this.db.run(SQL.insertChunk, [this.generation, this.seq, chunk]);
    this.checksum = extendChecksum(this.checksums, this.checksum, chunk);
    this.offset += chunk.length;
    this.seq++;
    return this.done;
  }

  /** The values of the snapshot row that makes this generation the stored snapshot. */
  rowValues(): SqlValue[] {
    const { index, term } = this.snapshot.meta;
    return [index, term, this.membershipJson, new Uint8Array(0), this.checksum, this.generation];
  }
}
