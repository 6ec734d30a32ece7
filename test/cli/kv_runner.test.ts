import { describe, it, expect } from 'vitest';
import { createKvRunner, renderValue, type ReplKvClient } from '../../src/cli/kv_runner.js';

describe('renderValue (redis-cli style)', () => {
  it('renders strings quoted, missing values as (nil), numbers as integers', () => {
    expect(renderValue('a "b"')).toBe('"a \\"b\\""');
    expect(renderValue(null)).toBe('(nil)');
    expect(renderValue(3)).toBe('(integer) 3');
    expect(renderValue(2n ** 63n - 1n)).toBe('(integer) 9223372036854775807');
    expect(renderValue(new TextEncoder().encode('bytes'))).toBe('"bytes"');
  });
  it('numbers list items and indents nested lists under their label', () => {
    expect(renderValue([])).toBe('(empty array)');
    expect(renderValue(['a', null, ['x', 'y']])).toBe('1) "a"\n2) (nil)\n3) 1) "x"\n   2) "y"');
  });
});

describe('createKvRunner', () => {
  const calls: unknown[][] = [];
  const client = {
    async incrBy(key: string, delta: number | bigint) {
      calls.push(['incrBy', key, delta]);
      return 5;
    },
    async cas(key: string, expected: string, value: string) {
      calls.push(['cas', key, expected, value]);
      return expected === 'old' ? { swapped: true, current: value } : { swapped: false, current: null };
    },
    async set() {
      return false;
    },
  } as unknown as ReplKvClient;
  const runner = createKvRunner(client);

  it('passes INCRBY deltas as numbers, and as bigints beyond 2^53', async () => {
    expect(await runner.run('INCRBY', ['n', '-2'])).toBe('(integer) 5');
    await runner.run('INCRBY', ['n', '9007199254740993']);
    expect(calls.slice(-2)).toEqual([
      ['incrBy', 'n', -2],
      ['incrBy', 'n', 9007199254740993n],
    ]);
    await expect(runner.run('INCRBY', ['n', '1.5'])).rejects.toThrow("increment must be an integer, got '1.5'");
  });
  it('says whether CAS swapped and what the key holds now', async () => {
    expect(await runner.run('CAS', ['k', 'old', 'new'])).toBe('swapped, now "new"');
    expect(await runner.run('CAS', ['k', 'other', 'new'])).toBe('not swapped, now (nil)');
  });
  it('shows a refused SET as (nil)', async () => {
    expect(await runner.run('SET', ['k', 'v'])).toBe('(nil)');
  });
  it('explains why there is no client', async () => {
    await expect(createKvRunner({ unavailable: 'bad port' }).run('GET', ['k'])).rejects.toThrow(
      'KV commands are unavailable: bad port',
    );
  });
});
