import { describe, it, expect } from 'vitest';
import { parseNemesis, parseUnsafe, runSimCommand, type SimSettings } from '../../src/cli/sim_command.js';

function run(settings: Partial<SimSettings>): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runSimCommand(
    { seed: undefined, seeds: undefined, seedStart: 1, verbose: false, options: {}, ...settings },
    (line) => lines.push(line),
  );
  return { code, lines };
}

describe('kv-sim sim', () => {
  it('runs one seed and prints a summary, the trace hash and the speed', () => {
    const { code, lines } = run({ seed: 3, options: { durationMs: 2_000 } });
    expect(code).toBe(0);
    expect(lines[0]).toBe('seed 3: ok');
    expect(lines.join('\n')).toMatch(/trace hash [0-9a-f]{8}/);
    expect(lines.at(-1)).toMatch(/simulated [\d.]+ s in [\d.]+ s wall \(\d+x real time; \d+x per CPU second\)/);
  });

  it('runs a batch of seeds and reports failures with their replay command and exit code 1', () => {
    const { code, lines } = run({ seeds: 2, seedStart: 10, options: { durationMs: 1_000, unsafe: { forgetVote: true } } });
    expect(code).toBe(1);
    expect(lines).toContain('seeds 10..11: 0 passed, 2 failed');
    expect(lines.some((line) => line.includes('replay: kv-sim sim --seed 10 --nodes 5 --duration-ms 1000 --unsafe forgetVote'))).toBe(true);
  });

  it('parses nemesis and unsafe lists, refusing unknown names', () => {
    expect(parseNemesis('all').length).toBeGreaterThan(5);
    expect(parseNemesis('none')).toEqual([]);
    expect(parseNemesis('crash,partition')).toEqual(['crash', 'partition']);
    expect(() => parseNemesis('crash,flood')).toThrow(/unknown nemesis 'flood'/);
    expect(parseUnsafe('doubleVote')).toEqual({ doubleVote: true });
    expect(() => parseUnsafe('oops')).toThrow(/unknown --unsafe bug 'oops'/);
  });
});
