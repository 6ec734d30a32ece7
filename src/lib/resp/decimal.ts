/**
 * Strict decimal parsing of ASCII bytes, as Redis' string2ll: an optional '-', digits, no spaces,
 * no '+', no leading zeros. Returns null when the bytes are not such a number.
 */
export function parseSafeInteger(bytes: Uint8Array): number | null {
  const value = parseBigInteger(bytes);
  if (value === null) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** The same rules, for values up to 64 bits (and beyond: callers check their own range). */
export function parseBigInteger(bytes: Uint8Array): bigint | null {
  const length = bytes.length;
  if (length === 0 || length > 20) return null;
  let i = 0;
  const negative = bytes[0] === 0x2d;
  if (negative) i = 1;
  if (i >= length) return null;
  // "0" is fine, "-0" and "007" are not (Redis refuses them, so every value has one spelling).
  if (bytes[i] === 0x30 && (length - i > 1 || negative)) return null;
  let small = 0;
  for (let j = i; j < length; j++) {
    const c = bytes[j] as number;
    if (c < 0x30 || c > 0x39) return null;
    small = small * 10 + (c - 0x30);
  }
  if (Number.isSafeInteger(small)) return BigInt(negative ? -small : small);
  let big = 0n;
  for (let j = i; j < length; j++) big = big * 10n + BigInt((bytes[j] as number) - 0x30);
  return negative ? -big : big;
}
