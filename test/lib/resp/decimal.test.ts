import { describe, expect, it } from 'vitest';
import { parseBigInteger, parseSafeInteger } from '../../../src/lib/resp/decimal.js';
import { utf8 } from '../../../src/lib/resp/resp_types.js';

describe('strict decimals', () => {
  it('reads one spelling per number, as Redis does', () => {
    expect(parseSafeInteger(utf8('0'))).toBe(0);
    expect(parseSafeInteger(utf8('42'))).toBe(42);
    expect(parseSafeInteger(utf8('-42'))).toBe(-42);
    for (const bad of ['', '-', '-0', '007', '+1', ' 1', '1 ', '1.0', 'x']) expect(parseSafeInteger(utf8(bad))).toBeNull();
  });

  it('refuses every value outside the safe range, at and past its edges', () => {
    expect(parseSafeInteger(utf8('9007199254740991'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseSafeInteger(utf8('-9007199254740991'))).toBe(Number.MIN_SAFE_INTEGER);
    for (const unsafe of ['9007199254740992', '9007199254740993', '-9007199254740992', '99999999999999999999', '123456789012345678901']) {
      expect(parseSafeInteger(utf8(unsafe))).toBeNull();
    }
    expect(parseBigInteger(utf8('9223372036854775807'))).toBe(9223372036854775807n);
  });

  it('agrees with the exact parse on a sweep of lengths', () => {
    for (let digits = 1; digits <= 20; digits++) {
      for (const lead of '123456789') {
        const text = lead + '9'.repeat(digits - 1);
        const exact = parseBigInteger(utf8(text));
        const expected = exact !== null && Number.isSafeInteger(Number(exact)) ? Number(exact) : null;
        expect(parseSafeInteger(utf8(text))).toBe(expected);
      }
    }
  });
});
