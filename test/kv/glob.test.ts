import { describe, expect, it } from 'vitest';
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
