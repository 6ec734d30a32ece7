/**
 * Strict decimal parsing of ASCII bytes, as Redis' string2ll: an optional '-', digits, no spaces,
 * no '+', no leading zeros. Returns null when the bytes are not such a number.
 */
export function parseSafeInteger(bytes: Uint8Array): number | null {
  return parseSafeIntegerIn(bytes, 0, bytes.length);
}

/**
 * The same, for bytes [start, end) of `data` (no view to make: request headers are parsed in
 * place). Sums in floating point: exact while the value is safe, and once past the safe range it
 * can only grow, so an unsafe value is always refused.
 */
export function parseSafeIntegerIn(data: Uint8Array, start: number, end: number): number | null {
  const length = end - start;
  if (length <= 0 || length > 20) return null;
  let i = start;
  const negative = data[i] === 0x2d;
  if (negative) i++;
  if (i >= end) return null;
  if (data[i] === 0x30 && (end - i > 1 || negative)) return null;
  let value = 0;
  for (; i < end; i++) {
    const c = data[i] as number;
    if (c < 0x30 || c > 0x39) return null;
    value = value * 10 + (c - 0x30);
  }
  if (!Number.isSafeInteger(value)) return null;
  return negative ? -value : value;
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
