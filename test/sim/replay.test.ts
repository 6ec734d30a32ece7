import { describe, it, expect } from 'vitest';
import { runSimulation } from '../../src/index.js'; // the package's own entry: the simulator is public API

describe('replay', () => {
  it('the same seed gives the same trace hash and results; another seed does not', () => {
    const options = { durationMs: 4_000 };
    const first = runSimulation({ ...options, seed: 42 });
    const again = runSimulation({ ...options, seed: 42 });
    const other = runSimulation({ ...options, seed: 43 });
    console.log(`seed 42 trace ${first.traceHash}, seed 43 trace ${other.traceHash}`);
    expect(first.ok).toBe(true);
    expect(again.traceHash).toBe(first.traceHash);
    expect(again.stats).toEqual(first.stats);
    expect(again.virtualMs).toBe(first.virtualMs);
    expect(other.traceHash).not.toBe(first.traceHash);
  });

  it('refuses an unknown option by name instead of running with the default', () => {
    expect(() => runSimulation({ seed: 1, durationMS: 2_000, nemisis: [] } as never)).toThrow(/unknown simulation options durationMS, nemisis \(known: seed, nodes,/);
  });

  it('names the command that replays a run with non-default options', () => {
    const result = runSimulation({ seed: 5, durationMs: 1_000, nemesis: ['crash', 'partition'], unsafe: { doubleVote: true } });
    expect(result.replay).toBe('kv-sim sim --seed 5 --nodes 5 --duration-ms 1000 --nemesis crash,partition --unsafe doubleVote');
  });

  it('makes progress without faults: writes and reads complete, one election', () => {
    const result = runSimulation({ seed: 1, durationMs: 3_000, nemesis: [] });
    expect(result.ok).toBe(true);
    expect(result.stats.elections).toBe(1);
    expect(result.stats.writesAcked).toBeGreaterThan(100);
    expect(result.stats.readsOk).toBeGreaterThan(50);
  });

  it('refuses bad options with a clear error', () => {
    expect(() => runSimulation({ seed: 1, nodes: 0 })).toThrow(/nodes must be a positive integer/);
    expect(() => runSimulation({ seed: 1, nemesis: ['meteor' as never] })).toThrow(/unknown nemesis 'meteor'/);
    expect(() => runSimulation({ seed: 1, heartbeatIntervalTicks: 20, electionTimeoutTicks: 10 })).toThrow(/electionTimeoutTicks \(10\) must exceed heartbeatIntervalTicks \(20\)/);
  });
});
