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
 * The storage port. Writes are synchronous: the node driver writes one ready batch in one call.
 * Durability may come later: a storage that syncs to disk in the background (group commit: one
 * fsync covers every batch written while the previous one ran) reports it through whenDurable,
 * and the driver holds everything that must follow persistence until then, with its event loop
 * free for clients and peers meanwhile.
 *
 * Implementations: memory (simulator, tests) and SQLite (workers, processes). Both pass the
 * storage contract suite under test/contracts.
 */
export interface Storage {
  /** Reads the state back. Throws StorageCorruption when the data fails its checks. */
  load(): PersistedState;
  /** Writes the bootstrap membership of a fresh node; a node that already has one keeps it. */
  bootstrap(membership: Membership): void;
  /** One write (one transaction) per ready batch; durable once whenDurable says so. */
  save(batch: SaveBatch): void;
  /**
   * Calls back once every batch saved so far is durable: at once (synchronously) when they
   * already are, later when a sync is still running — never from inside save() or saveSnapshot(),
   * which the driver calls while the core is between ready() and advance(). An error means the
   * disk failed: what was written may be lost, and the node must stop.
   */
  whenDurable(callback: (error: Error | null) => void): void;
  /** Stores a snapshot and drops the entries it covers; durable when it returns. */
  saveSnapshot(snapshot: Snapshot): void;
  close(): void;
}

/** A data file that fails its checks is refused with this error, never served. */
export class StorageCorruption extends Error {
  override name = 'StorageCorruption';
}
