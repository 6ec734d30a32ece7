/**
 * The chaos run inside the deterministic simulator: with the correct read path its histories are
 * linearizable; with followers answering linearizable reads from their own state the checker
 * finds a violation within a few fixed seeds, and the failing seed replays exactly (same trace
 * hash, same history, same failing operation).
 */
import { describe, expect, it } from 'vitest';
import { parseNemesis } from '../../src/chaos/nemesis_plan.js';
import { describeFailure } from '../../src/check/linearizability.js';
import { runChaosSimulation } from '../../src/sim/chaos_simulation.js';

const UNSAFE_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const PARTITIONS = parseNemesis('partition');

describe('chaos in the simulator', () => {
  it('finds correct runs linearizable under every fault kind, unknown outcomes included', () => {
    let unknown = 0;
    for (const seed of [1, 3, 5]) {
      const result = runChaosSimulation({ seed, durationMs: 5_000 });
      const failure = result.check.failures[0];
      if (!result.ok) console.log(`seed ${seed} failed; replay: runChaosSimulation({ seed: ${seed}, durationMs: 5000 })\n${failure ? describeFailure(failure) : result.safetyViolation}`);
      expect(result.safetyViolation).toBeNull();
      expect(result.check.verdict).toBe('linearizable');
      expect(result.history.length).toBeGreaterThan(500);
      expect(result.faults.length).toBeGreaterThan(2);
      unknown += result.history.filter((op) => op.outcome === 'unknown').length;
    }
    console.log(`simulated chaos: seeds 1, 3, 5 linearizable, ${unknown} unknown outcomes among them`);
    // Seeds 1, 3 and 5 leave some writes unknown (deterministic for a given build; pick others if the
    // simulation changes): the checker had to consider both outcomes.
    expect(unknown).toBeGreaterThan(0);
  });

  it('gives every client, readers included, ids of its own: no two operations of one id overlap', () => {
    // Seed 2 leaves writes unknown, after which their clients move on to new ids (deterministic for
    // a given build; pick another seed with unknown outcomes if the simulation changes).
    const result = runChaosSimulation({ seed: 2, durationMs: 5_000, readerClients: 2 });
    expect(result.history.some((op) => op.outcome === 'unknown')).toBe(true);
    const lastReturn = new Map<number, number>();
    for (const op of [...result.history].sort((a, b) => a.invokeTime - b.invokeTime)) {
      const previous = lastReturn.get(op.clientId) ?? -Infinity;
      expect(op.invokeTime, `client ${op.clientId}: #${op.id} starts before its previous operation returned`).toBeGreaterThanOrEqual(previous);
      lastReturn.set(op.clientId, op.returnTime);
    }
  });

  it('catches followers answering linearizable reads locally, and the failing seed replays exactly', () => {
    // Two clients that only read: with lease reads the others soon hang on a write at a cut-off
    // leader and then follow the new leader's hints, never reaching a lagging follower; readers do.
    const settings = { durationMs: 5_000, nemesis: PARTITIONS, unsafeReadsFromFollowers: true, readerClients: 2 };
    let found: ReturnType<typeof runChaosSimulation> | null = null;
    for (const seed of UNSAFE_SEEDS) {
      const result = runChaosSimulation({ seed, ...settings });
      if (result.check.verdict === 'not-linearizable') {
        found = result;
        break;
      }
    }
    expect(found, `no violation in seeds ${UNSAFE_SEEDS.join(', ')} with unsafeReadsFromFollowers`).not.toBeNull();
    if (found === null) return;
    const failure = found.check.failures[0];
    expect(failure).toBeDefined();
    console.log(`seed ${found.seed}: violation (replay: runChaosSimulation({ seed: ${found.seed}, durationMs: 5000, nemesis: partition, unsafeReadsFromFollowers: true, readerClients: 2 }))\n${describeFailure(failure!)}`);
    // Stale reads are what the bug produces: the failing operation is a read.
    expect(failure!.failedOperation.kind).toBe('read');

    const replay = runChaosSimulation({ seed: found.seed, ...settings });
    expect(replay.traceHash).toBe(found.traceHash);
    expect(replay.history).toEqual(found.history);
    expect(replay.check.failures[0]?.failedOperation.id).toBe(failure!.failedOperation.id);

    // The same seed with the correct read path: the violation is the bug's, not the schedule's.
    const control = runChaosSimulation({ seed: found.seed, ...settings, unsafeReadsFromFollowers: false });
    expect(control.check.verdict).toBe('linearizable');
  });
});
