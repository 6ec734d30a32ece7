import { afterEach, describe, expect, it, vi } from 'vitest';
import { leaseClock } from '../../src/runtime/lease_clock.js';

afterEach(() => vi.restoreAllMocks());

describe('the read-lease clock', () => {
  it('never runs slower than real time: a host suspend shows through the wall clock, a wall clock set back is ignored', () => {
    let monotonicMs = 5_000;
    let wallMs = 1_700_000_000_000;
    vi.spyOn(performance, 'now').mockImplementation(() => monotonicMs);
    vi.spyOn(Date, 'now').mockImplementation(() => wallMs);
    const clock = leaseClock(10);
    const step = (monotonicStepMs: number, wallStepMs: number): number => {
      monotonicMs += monotonicStepMs;
      wallMs += wallStepMs;
      return clock.nowMs();
    };
    expect(step(0, 0)).toBe(0);
    expect(step(10, 10)).toBe(10); // normal time
    expect(step(0, 60_000)).toBe(60_010); // suspended a minute: the monotonic clock stood still
    expect(step(3, -3_600_000)).toBe(60_013); // wall clock set back an hour: only the real 3 ms count
    expect(step(0, 0)).toBe(60_013); // and it never goes backwards
    expect(clock.tickMs).toBe(10);
  });
});
