/**
 * Virtual time for the simulator: a binary min-heap of events ordered by time, ties broken by
 * insertion order (a sequence number), so a run is a pure function of its seed.
 */
export interface SimEvent {
  timeMs: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private readonly heap: SimEvent[] = [];
  private nextSeq = 0;
  private currentMs = 0;

  get nowMs(): number {
    return this.currentMs;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `run` at an absolute virtual time (never in the past). */
  at(timeMs: number, run: () => void): void {
    const event: SimEvent = { timeMs: Math.max(timeMs, this.currentMs), seq: this.nextSeq++, run };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as SimEvent;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.currentMs + delayMs, run);
  }

  /** Time of the next event, or Infinity when none is left. */
  peekTimeMs(): number {
    return this.heap[0]?.timeMs ?? Number.POSITIVE_INFINITY;
  }

  /** Removes the earliest event, advances virtual time to it and runs it; false when empty. */
  runNext(): boolean {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return false;
    const last = heap.pop() as SimEvent;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        let child = left;
        if (right < n && before(heap[right] as SimEvent, heap[left] as SimEvent)) child = right;
        const c = heap[child] as SimEvent;
        if (!before(c, last)) break;
        heap[i] = c;
        i = child;
      }
      heap[i] = last;
    }
    this.currentMs = top.timeMs;
    top.run();
    return true;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}
