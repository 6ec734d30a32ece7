/** Driving the simulator from a test: run virtual time until a condition, keep writes going. */
import type { NodeId } from '../../src/core/types.js';
import { encodeSet } from '../../src/sim/register_machine.js';
import type { Simulator } from '../../src/sim/simulator.js';

/** Virtual ms any phase may take; far more than any of them needs. */
const PHASE_DEADLINE_MS = 20_000;

/** Runs events until `done()`, calling `check()` after each; throws at the virtual deadline. */
export function runUntil(sim: Simulator, what: string, done: () => boolean, check: () => void = () => {}): void {
  const deadlineMs = sim.queue.nowMs + PHASE_DEADLINE_MS;
  while (!done()) {
    if (sim.queue.peekTimeMs() > deadlineMs || !sim.queue.runNext()) throw new Error(`no ${what} within ${PHASE_DEADLINE_MS} virtual ms`);
    check();
  }
}

/** Runs `durationMs` of virtual time, calling `check()` after each event. */
export function runFor(sim: Simulator, durationMs: number, check: () => void = () => {}): void {
  const untilMs = sim.queue.nowMs + durationMs;
  while (sim.queue.peekTimeMs() <= untilMs && sim.queue.runNext()) check();
}

/** Submits `count` writes to `leader`, `inFlight` at a time; returns a probe for "all acknowledged". */
export function startWrites(sim: Simulator, leader: NodeId, prefix: string, count: number, inFlight = 5): () => boolean {
  let submitted = 0;
  let acknowledged = 0;
  const submitNext = (): void => {
    if (submitted >= count) return;
    const key = `${prefix}-${submitted++}`;
    sim.submitWrite(leader, encodeSet(key, `value-of-${key}`), (outcome) => {
      if (!outcome.ok) throw new Error(`write ${key} failed: ${JSON.stringify(outcome.error)}`);
      acknowledged++;
      submitNext();
    });
  };
  for (let i = 0; i < inFlight; i++) submitNext();
  return () => acknowledged === count;
}
