/**
 * `kv-sim chaos` as a user runs it (the compiled CLI, as a child process): bad flags get one line
 * and exit code 2; the simulated variant runs, prints its summary and replay line, writes the
 * report and exits 0.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliProcess } from '../cli/cli_process.js';

const EXIT_DEADLINE_MS = 60_000;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = new CliProcess(['chaos', ...args]);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.child.kill('SIGKILL');
      reject(new Error(`kv-sim chaos ${args.join(' ')} did not exit within ${EXIT_DEADLINE_MS} ms`));
    }, EXIT_DEADLINE_MS);
  });
  try {
    const code = await Promise.race([cli.exited, deadline]);
    return { code, stdout: cli.stdout, stderr: cli.stderr };
  } finally {
    clearTimeout(timer);
  }
}

describe('kv-sim chaos flags', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--nodes', 'five'], /--nodes must be an integer >= 1, got 'five'/],
    [['--nodes', '12'], /nodes must be an integer from 1 to 9, got 12/],
    [['--nemesis', 'partition,meteor'], /unknown nemesis 'meteor'/],
    [['--transport', 'udp'], /--transport must be channel or tcp/],
    [['--time', '-3'], /--time must be a number >= 0.1/],
    [['--reader-clients', '-1'], /--reader-clients must be an integer >= 0, got '-1'/],
    [['--bogus', '1'], /unknown flag: --bogus/],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ')}: one line, exit 2`, async () => {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).toBe('');
    }, EXIT_DEADLINE_MS);
  }
});

describe('kv-sim chaos --simulate', () => {
  it('runs the nemesis and the checker on virtual time, prints the replay line and writes the report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kv-sim-chaos-cli-'));
    dirs.push(out);
    const args = ['--simulate', '--seed', '4', '--time', '3', '--clients', '4', '--reader-clients', '1', '--keys', '3', '--out', out];
    const result = await run(args);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/verdict: LINEARIZABLE \(exit 0\)/);
    const hash = /trace hash ([0-9a-f]+); replay: (kv-sim chaos --simulate --seed 4 .*)/.exec(result.stdout);
    expect(hash).not.toBeNull();
    expect(hash?.[2]).toContain('--reader-clients 1');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { verdict: string; settings: { readerClients: number }; operations: { total: number } };
    expect(summary.verdict).toBe('linearizable');
    expect(summary.settings.readerClients).toBe(1);
    expect(readFileSync(join(out, 'history.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(summary.operations.total);
    // Same seed, same run: the trace hash is the same.
    const again = await run(args);
    expect(again.stdout).toContain(`trace hash ${hash?.[1]}`);
  }, 2 * EXIT_DEADLINE_MS);
});
