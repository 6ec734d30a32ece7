/**
 * Splits an inline command line (what telnet or nc send) into arguments, with the quoting rules of
 * Redis' sdssplitargs: "double quotes" understand \n \r \t \b \a \\ \" and \xHH escapes,
 * 'single quotes' only \', and a closing quote must be followed by whitespace or the end of line.
 */
export type SplitResult = { ok: true; args: Uint8Array[] } | { ok: false; message: string };

const UNBALANCED = 'Protocol error: unbalanced quotes in request';

const CH_BACKSLASH = 0x5c;
const CH_DQUOTE = 0x22;
const CH_SQUOTE = 0x27;

export function isInlineSpace(c: number): boolean {
  // space, \t, \n, \v, \f, \r and NUL, as isspace() plus the NUL that sdssplitargs also stops at
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x62: 0x08, // \b
  0x61: 0x07, // \a
};

export function splitInline(line: Uint8Array): SplitResult {
  const args: Uint8Array[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isInlineSpace(line[i] as number)) i++;
    if (i >= line.length) return { ok: true, args };
    const token = readToken(line, i);
    if (token === null) return { ok: false, message: UNBALANCED };
    args.push(Uint8Array.from(token.bytes));
    i = token.next;
  }
}

/** Reads one argument starting at `start`; null when its quotes are unbalanced. */
function readToken(line: Uint8Array, start: number): { bytes: number[]; next: number } | null {
  const bytes: number[] = [];
  let quote = 0; // 0, CH_DQUOTE or CH_SQUOTE
  let i = start;
  for (;;) {
    if (quote === 0) {
      if (i >= line.length) return { bytes, next: i };
      const c = line[i] as number;
      if (isInlineSpace(c)) return { bytes, next: i + 1 };
      if (c === CH_DQUOTE || c === CH_SQUOTE) quote = c;
      else bytes.push(c);
      i++;
      continue;
    }
    if (i >= line.length) return null;
    const c = line[i] as number;
    if (c === quote) {
      // A closing quote must be followed by whitespace or the end: `"foo"bar` is an error.
      if (i + 1 < line.length && !isInlineSpace(line[i + 1] as number)) return null;
      return { bytes, next: i + 1 };
    }
    if (c === CH_BACKSLASH && i + 1 < line.length) {
      const escaped = quote === CH_DQUOTE ? readDoubleQuoteEscape(line, i) : readSingleQuoteEscape(line, i);
      if (escaped !== null) {
        bytes.push(escaped.byte);
        i = escaped.next;
        continue;
      }
    }
    bytes.push(c);
    i++;
  }
}

function readDoubleQuoteEscape(line: Uint8Array, i: number): { byte: number; next: number } {
  const next = line[i + 1] as number;
  if (next === 0x78 && i + 3 < line.length) {
    const hi = hexValue(line[i + 2] as number);
    const lo = hexValue(line[i + 3] as number);
    if (hi >= 0 && lo >= 0) return { byte: hi * 16 + lo, next: i + 4 };
  }
  return { byte: SIMPLE_ESCAPES[next] ?? next, next: i + 2 };
}

function readSingleQuoteEscape(line: Uint8Array, i: number): { byte: number; next: number } | null {
  return line[i + 1] === CH_SQUOTE ? { byte: CH_SQUOTE, next: i + 2 } : null;
}
