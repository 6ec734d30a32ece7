/**
 * Measures how long the event loop was blocked, from the lateness of the runtime's own tick
 * timer (no extra timer), and the longest flush. Both must stay well under the heartbeat, or
 * followers start elections against a healthy leader.
 */
/**
 * The first timer firings after start include loading SQLite's wasm and warming up the JIT:
 * one-off costs that say nothing about steady-state stalls, so they are not counted.
 */
export const STALL_WARMUP_FIRINGS = 50;

export class StallMeter {
  private readonly expectedIntervalMs: number;
  private firings = 0;
  private lastTickMs: number | null = null;
  private stallMaxMs = 0;
  private flushMaxMs = 0;

  constructor(expectedIntervalMs: number) {
    this.expectedIntervalMs = expectedIntervalMs;
  }

  /** Call at every tick timer firing. */
  onTimer(nowMs: number): void {
    this.firings++;
    if (this.lastTickMs !== null && this.firings > STALL_WARMUP_FIRINGS) {
      const lateMs = nowMs - this.lastTickMs - this.expectedIntervalMs;
      if (lateMs > this.stallMaxMs) this.stallMaxMs = lateMs;
    }
    this.lastTickMs = nowMs;
  }

  onFlush(durationMs: number): void {
    if (this.firings > STALL_WARMUP_FIRINGS && durationMs > this.flushMaxMs) this.flushMaxMs = durationMs;
  }

  reset(): void {
    this.stallMaxMs = 0;
    this.flushMaxMs = 0;
    this.lastTickMs = null;
  }

  read(): { eventLoopStallMaxMs: number; flushMaxMs: number } {
    return { eventLoopStallMaxMs: round(this.stallMaxMs), flushMaxMs: round(this.flushMaxMs) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
