/**
 * `kv-sim sim --help` shows, for every --unsafe bug, a command line under which the checkers catch
 * it; run as shown, each one exits 1 with a failed seed. (The help used to promise that --unsafe
 * alone makes the checkers fire; with the default settings three of the four bugs passed.)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN_PATH, cleanEnv } from './cli_process.js';

const BUGS = ['forgetVote', 'commitByCountingOldTerms', 'doubleVote', 'countUnsyncedSelf'];

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [BIN_PATH, ...args], { env: cleanEnv(), encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** Each bug's command line in the help, its wrapped lines joined. */
function commandsInHelp(help: string): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  const sections = help.split(/^(\w+):$/m);
  for (let i = 1; i + 1 < sections.length; i += 2) {
    const name = sections[i] as string;
    const words = (sections[i + 1] as string).trim().split(/\s+/);
    if (BUGS.includes(name) && words[0] === 'kv-sim' && words[1] === 'sim') commands.set(name, words.slice(1));
  }
  return commands;
}

describe('kv-sim sim --help on --unsafe', () => {
  it('shows for each bug a command line that the checkers fail', () => {
    const help = cli(['sim', '--help']);
    expect(help.code).toBe(0);
    const commands = commandsInHelp(help.out);
    expect([...commands.keys()].sort()).toEqual([...BUGS].sort());
    for (const [bug, args] of commands) {
      expect(args, bug).toContain(bug);
      const run = cli(args);
      expect(run.code, `${bug}: ${run.out}${run.err}`).toBe(1);
      expect(run.out, bug).toMatch(/^seed \d+: FAILED /m);
    }
  }, 120_000);
});
