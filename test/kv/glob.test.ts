import { describe, expect, it } from 'vitest';
import { GlobMatcher } from '../../src/kv/glob.js';
import { globMatch } from '../../src/kv/index.js';

const b = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('Redis glob patterns', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '', true],
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true], // reversed ranges work, as in Redis
    ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXcYb', false],
    ['*.txt', 'notes.txt', true],
    ['*.txt', 'notes.txt.bak', false],
    ['user:[0-9]*', 'user:42', true],
    ['user:[0-9]*', 'user:x', false],
    // After the last star: matched against the key's end.
    ['*.t?t', 'notes.txt', true],
    ['*.t?t', 'notes.tx', false],
    ['a*[0-9]', 'a12', true],
    ['a*[0-9]', 'a1x', false],
    ['*\\*', 'x*', true],
    ['*\\*', 'x\\', false],
    ['a*b\\', 'axb\\', true],
    ['a**b', 'ab', true],
    ['*a*a*', 'aa', true],
    ['*a*a*', 'a', false],
    // Corners of the syntax, read as they always were.
    ['a\\', 'a\\', true], // a trailing backslash is itself
    ['[]a', 'a', false], // an empty class matches nothing
    ['[^]', 'x', true],
    ['[a-]', '-', true], // a dash before `]` is itself
    ['[a-]', 'b', false],
    ['h[ab', 'ha', true], // an unterminated class runs to the end
    ['h[ab', 'hab', false],
    ['[\\]]x', ']x', true],
    ['[^a-c]*', 'd', true],
    ['[^a-c]*', 'b', false],
  ];

  it.each(cases)('%s against %s → %s', (pattern, subject, expected) => {
    expect(globMatch(b(pattern), b(subject))).toBe(expected);
  });

  it('takes linear-ish time on patterns of many stars', () => {
    const pattern = b('*a'.repeat(30) + 'b');
    const subject = b('a'.repeat(5000));
    expect(globMatch(pattern, subject)).toBe(false);
  });
});

describe('a matcher with a budget of re-read key bytes', () => {
  const as = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(0x61);
  // `*a{m}b*` against a{n} tries every start and re-reads m bytes at each: (n - m) × m in all.
  const backtracking = (m: number): Uint8Array => b('*' + 'a'.repeat(m) + 'b*');

  it('gives up on a pattern that backtracks over a long key, then on every later key', () => {
    const matcher = new GlobMatcher(backtracking(20_000), 5_000_000);
    expect(matcher.match(as(200_000))).toBe('gave-up');
    expect(matcher.match(b('ab'))).toBe('gave-up');
  });

  it('shares the budget across the keys it is given', () => {
    const matcher = new GlobMatcher(backtracking(1000), 5_000_000);
    expect(matcher.match(as(4000))).toBe('no-match'); // 3M re-reads
    expect(matcher.match(as(4000))).toBe('gave-up');
  });

  it('answers as an unbounded match while the budget lasts', () => {
    const matcher = new GlobMatcher(backtracking(1000), 5_000_000);
    expect(matcher.match(b('x' + 'a'.repeat(1000) + 'by'))).toBe('match');
    expect(matcher.match(as(1500))).toBe('no-match');
  });

  it('reads each byte once for literals before the first star and after the last', () => {
    const oneReread = 1;
    const patterns = ['user:*', '*:name', 'user:*:name', 'user:[0-9]*', '*' + 'a'.repeat(20_000) + 'b'];
    for (const pattern of patterns) {
      const matcher = new GlobMatcher(b(pattern), oneReread);
      expect(matcher.match(b('user:1:name')), pattern).not.toBe('gave-up');
      expect(matcher.match(as(200_000)), pattern).toBe('no-match');
    }
  });
});
