/**
 * `kv-sim chaos` as a user runs it (the compiled CLI, as a child process): bad flags get one line
 * and exit code 2; the simulated variant runs, prints its summary and replay line, writes the
 * report and exits 0.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, CliProcess } from '../cli/cli_process.js';

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

describe('kv-sim chaos on the emulator', () => {
  it('refuses an --out it cannot write before it runs, not after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-sim-chaos-cli-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a-file'), '');
    const result = await run(['--time', '30', '--out', join(dir, 'a-file', 'report')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/--out .*a-file\/report cannot hold the report/);
    expect(result.stderr).not.toMatch(/replay with --seed/); // the run never started
  }, EXIT_DEADLINE_MS);

  it('on Ctrl-C ends the faulty phase early, removes its cluster data and still checks and reports', async () => {
    // Its own temp dir: the cluster's data dir is made there, so what is left over shows.
    const tmp = mkdtempSync(join(tmpdir(), 'kv-sim-chaos-signal-'));
    dirs.push(tmp);
    const out = join(tmp, 'report');
    const cli = new CliProcess(['chaos', '--time', '120', '--nodes', '3', '--clients', '2', '--out', out], cleanEnv({ TMPDIR: tmp }));
    try {
      await cli.waitForStderr(/t=5s/, EXIT_DEADLINE_MS);
      cli.child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        cli.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('kv-sim chaos did not exit after SIGINT')), EXIT_DEADLINE_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(code, cli.stdout + cli.stderr).toBe(0);
      expect(cli.stderr).toMatch(/stopping early/);
      expect(cli.stdout).toMatch(/verdict: LINEARIZABLE/);
      expect(existsSync(join(out, 'summary.json'))).toBe(true);
      expect(readdirSync(tmp)).toEqual(['report']);
    } finally {
      cli.child.kill('SIGKILL');
    }
  }, 3 * EXIT_DEADLINE_MS);
});
