import { assert } from '../lib/assert.js';
import type { Entry, SnapshotMeta } from './types.js';

/**
 * The node's view of its log, held in memory from the last snapshot on. Indexes are 1-based;
 * the snapshot covers 1..snapshotIndex. Tracks what is durable (stableIndex), what is committed
 * and what has been handed to the state machine (appliedIndex).
 */
export class RaftLog {
  snapshotIndex: number;
  snapshotTerm: number;
  /** entries[i] holds index snapshotIndex + 1 + i. */
  private entries: Entry[];
  /** Highest index known to be on disk. */
  stableIndex: number;
  /** Highest index handed to storage (in a Ready); durable once stableIndex reaches it. */
  writtenIndex: number;
  commitIndex: number;
  /** Highest index handed out for applying (in a Ready). */
  appliedIndex: number;

  constructor(snapshot: SnapshotMeta | null, entries: readonly Entry[], commitIndex: number) {
    this.snapshotIndex = snapshot?.index ?? 0;
    this.snapshotTerm = snapshot?.term ?? 0;
    this.entries = entries.slice();
    for (let i = 0; i < this.entries.length; i++) {
      const entry = this.entries[i] as Entry;
      assert(entry.index === this.snapshotIndex + 1 + i, () => `restored log has a hole at index ${this.snapshotIndex + 1 + i}`);
      assert(i === 0 || entry.term >= (this.entries[i - 1] as Entry).term, 'restored log terms go backwards');
    }
    this.stableIndex = this.lastIndex();
    this.writtenIndex = this.stableIndex;
    assert(commitIndex <= this.lastIndex(), `restored commit ${commitIndex} beyond last index ${this.lastIndex()}`);
    this.commitIndex = Math.max(commitIndex, this.snapshotIndex);
    this.appliedIndex = this.snapshotIndex;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }

  /** The term at index, or undefined when the index is compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return (this.entries[index - this.snapshotIndex - 1] as Entry).term;
  }

  entryAt(index: number): Entry {
    const entry = this.entries[index - this.snapshotIndex - 1];
    assert(entry !== undefined, () => `no entry at index ${index} (log ${this.firstIndex()}..${this.lastIndex()})`);
    return entry;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's election restriction (§5.4.1): is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Appends entries that directly follow the last index (the leader's path). */
  append(entries: readonly Entry[]): void {
    for (const entry of entries) {
      assert(entry.index === this.lastIndex() + 1, () => `append at ${entry.index} after last ${this.lastIndex()}`);
      assert(entry.term >= this.lastTerm(), 'appended entry has an older term than the log');
      this.entries.push(entry);
    }
  }

  /**
   * The follower's path: entries that start right after a point known to match the leader.
   * Skips entries we already hold, truncates at the first conflict, appends the rest.
   * Returns the last index covered by `entries`.
   */
  appendFromLeader(prevLogIndex: number, entries: readonly Entry[]): number {
    let i = 0;
    for (; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      if (entry.index < this.firstIndex()) continue; // already compacted into the snapshot
      const ours = this.term(entry.index);
      if (ours === undefined) break;
      if (ours !== entry.term) {
        assert(entry.index > this.commitIndex, () => `leader overwrites committed index ${entry.index} (commit ${this.commitIndex})`);
        this.truncateFrom(entry.index);
        break;
      }
    }
    this.append(entries.slice(i));
    return prevLogIndex + entries.length;
  }

  private truncateFrom(index: number): void {
    this.entries.length = index - this.snapshotIndex - 1;
    this.stableIndex = Math.min(this.stableIndex, index - 1);
    this.writtenIndex = Math.min(this.writtenIndex, index - 1);
  }

  /** Entries in [from, to] inclusive, at most `bytesMax` payload bytes but always at least one. */
  slice(from: number, to: number, bytesMax = Infinity): Entry[] {
    if (from > to) return [];
    assert(from >= this.firstIndex() && to <= this.lastIndex(), () => `slice ${from}..${to} outside ${this.firstIndex()}..${this.lastIndex()}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let index = from; index <= to; index++) {
      const entry = this.entryAt(index);
      bytes += entry.data.length;
      if (out.length > 0 && bytes > bytesMax) break;
      out.push(entry);
    }
    return out;
  }

  /** Entries not yet handed to storage. */
  unwrittenEntries(): Entry[] {
    return this.slice(this.writtenIndex + 1, this.lastIndex());
  }

  /** Entries up to index were handed to storage. */
  writtenTo(index: number): void {
    assert(index <= this.lastIndex(), () => `written ${index} beyond last index ${this.lastIndex()}`);
    if (index > this.writtenIndex) this.writtenIndex = index;
  }

  /** Marks entries up to (index, term) durable, unless the log changed under them meanwhile. */
  stableTo(index: number, term: number): void {
    if (this.term(index) === term && index > this.stableIndex) this.stableIndex = index;
  }

  commitTo(index: number): boolean {
    if (index <= this.commitIndex) return false;
    assert(index <= this.lastIndex(), () => `commit ${index} beyond last index ${this.lastIndex()}`);
    this.commitIndex = index;
    return true;
  }

  /** Committed entries not yet handed out for applying. */
  nextCommittedEntries(bytesMax: number): Entry[] {
    return this.slice(this.appliedIndex + 1, this.commitIndex, bytesMax);
  }

  appliedTo(index: number): void {
    assert(index <= this.commitIndex, () => `applied ${index} beyond commit ${this.commitIndex}`);
    if (index > this.appliedIndex) this.appliedIndex = index;
  }

  /** First index of the term that holds `index` in our log (for the fast back-off hint). */
  firstIndexOfTermAt(index: number): number {
    const term = this.term(index);
    let first = index;
    while (first - 1 >= this.firstIndex() && this.term(first - 1) === term) first--;
    return first;
  }

  /** Our last index whose term is `term`, or 0 when we hold no entry of that term. */
  lastIndexOfTerm(term: number): number {
    for (let index = this.lastIndex(); index >= this.firstIndex(); index--) {
      const t = this.term(index) as number;
      if (t === term) return index;
      if (t < term) return 0;
    }
    return 0;
  }

  /** Drops entries up to `index`, which a snapshot taken at that applied index now covers. */
  compactTo(index: number): void {
    if (index <= this.snapshotIndex) return;
    assert(index <= this.appliedIndex, () => `compacting to ${index} beyond applied ${this.appliedIndex}`);
    assert(index <= this.stableIndex, () => `compacting to ${index} beyond stable ${this.stableIndex}`);
    const term = this.term(index) as number;
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }

  /**
   * Installs a snapshot received from the leader, replacing the whole log: the caller only installs
   * one whose last entry our log does not hold (otherwise committing up to it is enough).
   * Everything up to the snapshot counts as committed, stable and applied.
   */
  restoreSnapshot(meta: SnapshotMeta): void {
    assert(meta.index > this.commitIndex, () => `snapshot at ${meta.index} not beyond commit ${this.commitIndex}`);
    assert(!this.matchTerm(meta.index, meta.term), 'installing a snapshot whose last entry we hold');
    this.entries = [];
    this.snapshotIndex = meta.index;
    this.snapshotTerm = meta.term;
    this.commitIndex = meta.index;
    this.appliedIndex = meta.index;
    this.stableIndex = meta.index;
    this.writtenIndex = meta.index;
  }

  /** Config entries from `from` on, oldest first (membership is data carried in the log). */
  configEntries(from = this.firstIndex()): Entry[] {
    return this.entries.filter((entry) => entry.kind === 'config' && entry.index >= from);
  }
}

/** Payload bytes of some entries (what bounds appends and their grace count). */
export function entryBytes(entries: readonly Entry[]): number {
  let bytes = 0;
  for (const entry of entries) bytes += entry.data.length;
  return bytes;
}
