/**
 * Splits a REPL line into words, shell-style but smaller: whitespace separates words, double or
 * single quotes group a value with spaces, and a backslash inside double quotes escapes the next
 * character. Quotes in the middle of a word join with it (`a"b c"` is one word `ab c`).
 */

export type TokenizeResult = { ok: true; words: string[] } | { ok: false; error: string };

export function tokenize(line: string): TokenizeResult {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote !== null) {
      if (ch === quote) {
        quote = null;
      } else if (ch === '\\' && quote === '"' && i + 1 < line.length) {
        i += 1;
        current += unescape(line[i] as string);
      } else {
        current += ch;
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote !== null) return { ok: false, error: `unterminated ${quote === '"' ? 'double' : 'single'} quote` };
  if (inWord) words.push(current);
  return { ok: true, words };
}

function unescape(ch: string): string {
  if (ch === 'n') return '\n';
  if (ch === 't') return '\t';
  return ch;
}
