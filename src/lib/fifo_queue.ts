/**
 * A first-in first-out queue with O(1) amortized removal from the front: taken items are skipped
 * by an index rather than shifted out one by one, and the array is cut back once they are the
 * larger part (or all) of it.
 */
export class FifoQueue<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The front item, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** The back item (the latest pushed); undefined when empty. */
  last(): T | undefined {
    return this.head < this.items.length ? this.items[this.items.length - 1] : undefined;
  }

  /** Removes and returns the front item; undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++] as T;
    this.compact();
    return item;
  }

  /** Puts `items` back at the front, in their order (they come out first, before the rest). */
  unshiftAll(items: readonly T[]): void {
    this.items.splice(this.head, 0, ...items);
  }

  /** Empties the queue, returning what it held, front first. */
  takeAll(): T[] {
    const rest = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
