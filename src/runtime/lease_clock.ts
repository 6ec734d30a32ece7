/**
 * The clock that times a leader's read lease in a real runtime. It must never run slower than real
 * time, or a lease would outlive its guarantee. The monotonic clock runs through pauses and
 * event-loop stalls but, on Linux, stands still while the host is suspended; the wall clock keeps
 * going then but can be set back. So each reading advances by the larger of the two clocks' steps
 * since the last one (never by a negative step): a suspend shows through the wall clock, a wall
 * clock set back is ignored, one set forward only ends leases early.
 */
import type { LeaseClock } from '../node/types.js';

export function leaseClock(tickMs: number): LeaseClock {
  let lastMonotonicMs = performance.now();
  let lastWallMs = Date.now();
  let elapsedMs = 0;
  return {
    tickMs,
    nowMs: () => {
      const monotonicMs = performance.now();
      const wallMs = Date.now();
      elapsedMs += Math.max(monotonicMs - lastMonotonicMs, wallMs - lastWallMs, 0);
      lastMonotonicMs = monotonicMs;
      lastWallMs = wallMs;
      return elapsedMs;
    },
  };
}
