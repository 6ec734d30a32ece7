/**
 * A node's pause as its client front ends see it: the emulator's `pause N` stands for a stopped
 * process (SIGSTOP), so while paused the servers read and write nothing (see socket_gate.ts), and
 * time stands still for every client timeout: a client is not blamed for the node's pause, and no
 * request times out because the node it waits on was stopped. The read lease keeps its own clock,
 * which runs on through pauses (see lease_clock.ts): that one must never run slow.
 */

/** Time for client timeouts: a monotonic clock that stands still while the node is paused. */
export interface RunningClock {
  /** Milliseconds the node has been running (not paused) since some fixed point. */
  nowMs(): number;
  /** Calls `callback` once `delayMs` of running time have passed; cancel() forgets it. */
  after(delayMs: number, callback: () => void): { cancel(): void };
  /** null while the node runs; while it is paused, a promise that resolves on resume. */
  pausedUntilResume(): Promise<void> | null;
}

export interface PauseListener {
  paused(): void;
  resumed(): void;
}

export class NodePause implements RunningClock {
  private pausedState = false;
  private pausedAtMs = 0;
  private pausedTotalMs = 0;
  private readonly listeners = new Set<PauseListener>();

  get paused(): boolean {
    return this.pausedState;
  }

  pause(): void {
    if (this.pausedState) return;
    this.pausedState = true;
    this.pausedAtMs = performance.now();
    for (const listener of [...this.listeners]) listener.paused();
  }

  resume(): void {
    if (!this.pausedState) return;
    this.pausedState = false;
    this.pausedTotalMs += performance.now() - this.pausedAtMs;
    for (const listener of [...this.listeners]) listener.resumed();
  }

  /** Told of every pause and resume until the returned function is called. */
  listen(listener: PauseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pausedUntilResume(): Promise<void> | null {
    if (!this.pausedState) return null;
    return new Promise((resolve) => {
      const stop = this.listen({ paused: () => {}, resumed: () => (stop(), resolve()) });
    });
  }

  nowMs(): number {
    return (this.pausedState ? this.pausedAtMs : performance.now()) - this.pausedTotalMs;
  }

  after(delayMs: number, callback: () => void): { cancel(): void } {
    const dueMs = this.nowMs() + delayMs;
    let timer: NodeJS.Timeout;
    // A timer that comes due while paused (or right after, for time spent paused) waits again
    // for the running time it still lacks.
    const check = (): void => {
      const leftMs = dueMs - this.nowMs();
      if (leftMs > 0) timer = setTimeout(check, leftMs);
      else callback();
    };
    timer = setTimeout(check, delayMs);
    return { cancel: () => clearTimeout(timer) };
  }
}
