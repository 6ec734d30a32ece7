/**
 * Redis glob matching (KEYS, SCAN MATCH) over bytes: `*` any run, `?` one byte, `[abc]`, `[^a-z]`
 * classes and `\x` escapes. Case sensitive. Greedy with one backtrack point, so a pattern made of
 * many stars cannot take exponential time (every other token matches exactly one byte).
 */
const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const BACKSLASH = 0x5c;

export function globMatch(pattern: Uint8Array, subject: Uint8Array): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < subject.length) {
    if (p < pattern.length && pattern[p] === STAR) {
      while (p < pattern.length && pattern[p] === STAR) p++;
      starP = p;
      starS = s;
      continue;
    }
    const next = p < pattern.length ? matchOne(pattern, p, subject[s] as number) : -1;
    if (next >= 0) {
      p = next;
      s++;
      continue;
    }
    if (starP < 0) return false;
    starS++;
    s = starS;
    p = starP;
  }
  while (p < pattern.length && pattern[p] === STAR) p++;
  return p === pattern.length;
}

/** Matches the token at pattern[p] against one byte: the index after the token, or -1. */
function matchOne(pattern: Uint8Array, p: number, c: number): number {
  const token = pattern[p] as number;
  if (token === QUESTION) return p + 1;
  if (token === OPEN) return matchClass(pattern, p + 1, c);
  if (token === BACKSLASH && p + 1 < pattern.length) return pattern[p + 1] === c ? p + 2 : -1;
  return token === c ? p + 1 : -1;
}

/** A `[...]` class starting after the `[`; an unterminated class runs to the end, as in Redis. */
function matchClass(pattern: Uint8Array, start: number, c: number): number {
  let p = start;
  const negate = pattern[p] === CARET;
  if (negate) p++;
  let matched = false;
  while (p < pattern.length && pattern[p] !== CLOSE) {
    const first = pattern[p] as number;
    if (first === BACKSLASH && p + 1 < pattern.length) {
      if (pattern[p + 1] === c) matched = true;
      p += 2;
    } else if (p + 2 < pattern.length && pattern[p + 1] === DASH && pattern[p + 2] !== CLOSE) {
      const last = pattern[p + 2] as number;
      const low = Math.min(first, last);
      const high = Math.max(first, last);
      if (c >= low && c <= high) matched = true;
      p += 3;
    } else {
      if (first === c) matched = true;
      p++;
    }
  }
  const after = p < pattern.length ? p + 1 : p;
  return matched !== negate ? after : -1;
}
