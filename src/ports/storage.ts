import type { Entry, HardState, Membership, Snapshot } from '../core/types.js';

/** Everything a node recovers from disk on start. */
export interface PersistedState {
  hardState: HardState;
  /** The latest snapshot, or null when the log still starts at index 1. */
  snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous and in order. */
  entries: Entry[];
  /**
   * The membership the node was bootstrapped with (written once, at first start). Config
   * entries and snapshots supersede it.
   */
  bootstrapMembership: Membership | null;
}

export interface SaveBatch {
  hardState: HardState | null;
  /** Replace every stored entry from entries[0].index on with these (a conflicting suffix goes). */
  entries: Entry[];
}

/**
 * The storage port. Synchronous on purpose: the node driver persists one ready batch in one
 * call, and the durability contract (persist before send) is then a plain sequence of statements.
 *
 * Implementations: memory (simulator, tests) and SQLite (workers, processes). Both pass the
 * storage contract suite under test/contracts.
 */
export interface Storage {
  /** Reads the state back. Throws StorageCorruption when the data fails its checks. */
  load(): PersistedState;
  /** Writes the bootstrap membership of a fresh node; a node that already has one keeps it. */
  bootstrap(membership: Membership): void;
  /** One durable write (one transaction) per ready batch. */
  save(batch: SaveBatch): void;
  /** Stores a snapshot and drops the entries it covers. */
  saveSnapshot(snapshot: Snapshot): void;
  close(): void;
}

/** A data file that fails its checks is refused with this error, never served. */
export class StorageCorruption extends Error {
  override name = 'StorageCorruption';
}
