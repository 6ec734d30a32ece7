/**
 * The clock of a node's client timeouts stands still while the node is paused: a timer armed on it
 * comes due only after its delay of running time, however long the pause.
 */
import { describe, expect, it } from 'vitest';
import { NodePause } from '../../src/server/node_pause.js';

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('NodePause', () => {
  it('stops its clock while paused and tells its listeners, once per change', async () => {
    const pause = new NodePause();
    const seen: string[] = [];
    const stop = pause.listen({ paused: () => seen.push('paused'), resumed: () => seen.push('resumed') });
    pause.pause();
    const pausedAt = pause.nowMs();
    pause.pause();
    await wait(50);
    expect(pause.nowMs()).toBe(pausedAt);
    const resumedAt = performance.now();
    pause.resume();
    pause.resume();
    await wait(20);
    // Only the time since the resume counts, not the 50 ms paused.
    const ranMs = pause.nowMs() - pausedAt;
    const sinceResumeMs = performance.now() - resumedAt;
    expect(ranMs).toBeLessThanOrEqual(sinceResumeMs);
    expect(ranMs).toBeGreaterThan(sinceResumeMs - 5);
    stop();
    pause.pause();
    expect(seen).toEqual(['paused', 'resumed']);
  });

  it('fires a timer only once its delay of running time has passed, not during a pause', async () => {
    const pause = new NodePause();
    let firedAt: number | null = null;
    pause.after(40, () => (firedAt = performance.now()));
    pause.pause();
    await wait(150); // the timer comes due meanwhile, on the wall clock
    expect(firedAt).toBeNull();
    const resumedAt = performance.now();
    pause.resume();
    await wait(300);
    expect(firedAt).not.toBeNull();
    // Paused at once, it had nearly all of its 40 ms still to run.
    expect((firedAt as unknown as number) - resumedAt).toBeGreaterThanOrEqual(35);
  });

  it('forgets a cancelled timer', async () => {
    const pause = new NodePause();
    let fired = false;
    pause.after(10, () => (fired = true)).cancel();
    await wait(50);
    expect(fired).toBe(false);
  });
});
