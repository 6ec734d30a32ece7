import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/index.js';
import { BIN_PATH, cleanEnv } from './cli_process.js';

/** Runs `kv-sim sim ...` and returns the trace hash it printed. */
function cliTraceHash(args: string[]): string {
  const result = spawnSync(process.execPath, [BIN_PATH, ...args], { env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  expect(result.status, result.stderr).toBe(0);
  const hash = /trace hash (\w+)/.exec(result.stdout)?.[1];
  expect(hash, result.stdout).toBeDefined();
  return hash as string;
}

describe('kv-sim sim replays a library run from its replay line', () => {
  it('with non-default tick length and raft timeouts', () => {
    const result = runSimulation({ seed: 9, durationMs: 1_500, tickMs: 5, heartbeatIntervalTicks: 3, electionTimeoutTicks: 12 });
    expect(result.replay).toBe('kv-sim sim --seed 9 --nodes 5 --duration-ms 1500 --tick-ms 5 --heartbeat-ticks 3 --election-ticks 12');
    const args = result.replay.split(' ').slice(1);
    expect(cliTraceHash(args)).toBe(result.traceHash);
    // The flags matter: the same seed on the default timing is another run.
    const withoutTiming = args.join(' ').replace(/ --(tick-ms|heartbeat-ticks|election-ticks) \d+/g, '').split(' ');
    expect(cliTraceHash(withoutTiming)).not.toBe(result.traceHash);
  });
});
