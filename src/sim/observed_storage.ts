/**
 * A storage port that passes every call to the real (memory) storage and shows the checkers what
 * reached the disk: the state loaded at start and every batch saved. Outside the code under
 * test: the driver sees an ordinary Storage.
 */
import type { Membership, NodeId, Snapshot } from '../core/types.js';
import type { PersistedState, SaveBatch, Storage } from '../ports/storage.js';

export interface StorageObserver {
  onLoad(node: NodeId, persisted: PersistedState): void;
  /** A batch reached the disk (called after the write). */
  onSave(node: NodeId, batch: SaveBatch): void;
  /** A snapshot reached the disk, replacing the log it covers (called after the write). */
  onSnapshot(node: NodeId, snapshot: Snapshot): void;
}

export class ObservedStorage implements Storage {
  private readonly inner: Storage;
  private readonly node: NodeId;
  private readonly observer: StorageObserver;

  constructor(inner: Storage, node: NodeId, observer: StorageObserver) {
    this.inner = inner;
    this.node = node;
    this.observer = observer;
  }

  load(): PersistedState {
    const persisted = this.inner.load();
    this.observer.onLoad(this.node, persisted);
    return persisted;
  }

  bootstrap(membership: Membership): void {
    this.inner.bootstrap(membership);
  }

  save(batch: SaveBatch): void {
    this.inner.save(batch);
    this.observer.onSave(this.node, batch);
  }

  whenDurable(callback: (error: Error | null) => void): void {
    this.inner.whenDurable(callback);
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.inner.saveSnapshot(snapshot);
    this.observer.onSnapshot(this.node, snapshot);
  }

  close(): void {
    this.inner.close();
  }
}
