/**
 * The command line's contract for mistakes: one line on stderr, never a stack trace; exit code 2
 * for bad usage (a mistyped command or flag, a bad value), 1 for a command that could not run.
 */
import { describe, it, expect } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN_PATH, cleanEnv } from './cli_process.js';

function run(args: string[], env: Record<string, string> = {}, bin = BIN_PATH): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function expectOneLineError(result: { code: number | null; err: string }, pattern: RegExp, code = 2): void {
  expect(result.code).toBe(code);
  expect(result.err.trimEnd().split('\n'), result.err).toHaveLength(1);
  expect(result.err.trimEnd()).toMatch(pattern);
  expect(result.err).not.toMatch(/\bat .*:\d+:\d+/);
}

describe('kv-sim command line', () => {
  it('prints help for the program and for up, exit code 0', () => {
    const top = run(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/kv-sim up\s+start a cluster/);
    expect(top.out).toMatch(/kv-sim sim\s+run the deterministic simulator/);
    const up = run(['up', '--help']);
    expect(up.code).toBe(0);
    for (const flag of ['--nodes', '--transport', '--data-dir', '--keep-data', '--timing', '--fsync', '--seed', '--log-level']) {
      expect(up.out).toContain(flag);
    }
    expect(up.out.replace(/\s+/g, ' ')).toContain('logs go to stdout with the REPL');
  });

  it('rejects unknown commands and flags in one line', () => {
    expectOneLineError(run(['frobnicate']), /^kv-sim: Unknown argument: frobnicate \(see kv-sim --help\)$/);
    expectOneLineError(run(['up', '--nodez', '3']), /^kv-sim: Unknown argument: nodez/);
    expectOneLineError(run([]), /^kv-sim: a command is needed/);
  });

  it('rejects bad values before starting anything', () => {
    expectOneLineError(run(['up', '--nodes', '12']), /--nodes must be an integer from 1 to 9, got 12/);
    expectOneLineError(run(['up', '--transport', 'udp']), /Invalid values: Argument: transport, Given: "udp"/);
    expectOneLineError(run(['up', '--seed', 'x']), /--seed must be a number, got 'x'/);
    expectOneLineError(run(['up', '--seed', '1.5']), /--seed must be an integer/);
  });

  it('names the sim flags a user typed, not the options behind them', () => {
    expectOneLineError(run(['sim', '--duration-ms', '-1']), /^kv-sim: --duration-ms must be a number >= 0, got -1 /);
    expectOneLineError(run(['sim', '--election-ticks', '3']), /^kv-sim: --election-ticks \(3\) must exceed --heartbeat-ticks \(5\) /);
    expectOneLineError(run(['sim', '--tick-ms', '0']), /^kv-sim: --tick-ms must be a positive integer, got 0 /);
    expectOneLineError(run(['sim', '--downtime-max-ms', '10']), /^kv-sim: --downtime-max-ms \(10\) must be >= --downtime-min-ms \(100\) /);
    expectOneLineError(run(['sim', '--seeds', '0']), /^kv-sim: --seeds must be a positive integer, got 0 /);
  });

  it('checks --seed alike in up, sim and chaos', () => {
    const rule = /--seed must be an integer from 0 to 4294967295, got '?-1'? /;
    expectOneLineError(run(['up', '--seed', '-1']), rule);
    expectOneLineError(run(['sim', '--seed', '-1']), rule);
    expectOneLineError(run(['chaos', '--seed', '-1']), rule);
    expectOneLineError(run(['up', '--seed', '4294967296']), /--seed must be an integer from 0 to 4294967295, got 4294967296/);
    expectOneLineError(run(['sim', '--seeds', '2', '--seed-start', '-1']), /--seed-start must be an integer from 0 to 4294967295, got -1/);
    expectOneLineError(run(['sim', '--seeds', '10', '--seed-start', '4294967295']), /--seed-start plus --seeds minus 1 must be an integer from 0 to 4294967295, got 4294967304/);
  });

  it('refuses a data dir that holds a cluster of another size, before starting any node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-sim-kept-'));
    try {
      // What a kept 3-node cluster leaves: node-N/node-N.sqlite (empty files do: nothing opens them).
      for (const id of [1, 2, 3]) {
        mkdirSync(join(dir, `node-${id}`));
        writeFileSync(join(dir, `node-${id}`, `node-${id}.sqlite`), '');
      }
      const result = run(['up', '--data-dir', dir, '--nodes', '5']);
      expectOneLineError(result, new RegExp(`^kv-sim: ${dir} holds a 3-node cluster \\(node-1\\.\\.node-3\\); start it with 3 nodes, or use another data dir$`), 1);
      expect(result.out).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the text a numeric flag got, whichever way it was given', () => {
    expectOneLineError(run(['sim', '--seed', 'abc']), /^kv-sim: --seed must be a number, got 'abc' \(see kv-sim --help\)$/);
    expectOneLineError(run(['sim', '-n', 'x']), /--nodes must be a number, got 'x'/);
    expectOneLineError(run(['sim', '--duration-ms=12q']), /--duration-ms must be a number, got '12q'/);
    expectOneLineError(run(['up'], { KV_SIM_NODES: 'five' }), /--nodes must be a number, got 'five' \(from KV_SIM_NODES\)/);
  });

  it("takes flags from KV_SIM_* variables, and ignores those of other commands", () => {
    expectOneLineError(run(['up'], { KV_SIM_NODES: '0' }), /--nodes must be an integer from 1 to 9, got 0/);
    // KV_SIM_ID belongs to `kv-sim node`; `kv-sim sim` has no --id and runs anyway, with --nodes 3.
    const sim = run(['sim', '--seed', '1', '--duration-ms', '300'], { KV_SIM_ID: '3', KV_SIM_NODES: '3' });
    expect(sim.err).toBe('');
    expect(sim.code).toBe(0);
    expect(sim.out).toMatch(/seed 1: ok/);
  });

  it('says to build when the compiled CLI is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-sim-bin-'));
    try {
      // The package's bin/ folder without dist/ beside it.
      cpSync(dirname(BIN_PATH), join(dir, 'bin'), { recursive: true });
      expectOneLineError(run(['--help'], {}, join(dir, 'bin', 'kv-sim.cjs')), /run `npm install` or `npm run build`/, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
