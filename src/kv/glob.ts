/**
 * Redis glob matching over bytes (syntax in glob_pattern.ts). Case sensitive. The tokens after the
 * last star must match the end of the key, so they are checked there first; the rest is greedy with
 * one backtrack point, so a pattern of many stars cannot take exponential time.
 *
 * Backtracking still re-reads key bytes: a key of n bytes against m tokens between stars can take
 * n × m comparisons (`*aaa…ab*` against `aaa…a`). So a matcher carries a budget of re-reads shared
 * by every key it is given, and one command's matcher gives up once it is spent, instead of holding
 * the node's thread for minutes. Reading a byte for the first time is free: that costs no more than
 * the command's own pass over its keys. The budget counts comparisons, not time, so every replica
 * gives up at the same key.
 */
import { ANY_BYTE_TOKEN, CLASS_TOKEN_BASE, CLASS_WORDS, compileGlob, STAR_TOKEN } from './glob_pattern.js';

export type GlobOutcome = 'match' | 'no-match' | 'gave-up';

export class GlobMatcher {
  private readonly tokens: Int32Array;
  private readonly classBits: Int32Array;
  private readonly minimumSubjectBytes: number;
  private readonly lastStar: number;
  private rereadsLeft: number;

  constructor(pattern: Uint8Array, rereadComparisonsMax: number) {
    const compiled = compileGlob(pattern);
    this.tokens = compiled.tokens;
    this.classBits = compiled.classBits;
    this.minimumSubjectBytes = compiled.minimumSubjectBytes;
    this.lastStar = compiled.lastStar;
    this.rereadsLeft = rereadComparisonsMax;
  }

  /** True for `*` (or `**`...): every key matches, at no cost. */
  get matchesEverything(): boolean {
    return this.tokens.length === 1 && this.lastStar === 0;
  }

  /** 'gave-up' once the budget is spent, for this subject and every later one. */
  match(subject: Uint8Array): GlobOutcome {
    if (this.rereadsLeft <= 0) return 'gave-up';
    if (subject.length < this.minimumSubjectBytes) return 'no-match';
    if (this.lastStar < 0) {
      return subject.length === this.tokens.length && this.matchesAt(subject, 0, 0, subject.length) ? 'match' : 'no-match';
    }
    const tailTokens = this.tokens.length - this.lastStar - 1;
    const headBytes = subject.length - tailTokens;
    if (!this.matchesAt(subject, headBytes, this.lastStar + 1, tailTokens)) return 'no-match';
    return this.matchUpToLastStar(subject, headBytes);
  }

  /** Tokens [firstToken, firstToken + count) against as many bytes from subject[firstByte]: each read once. */
  private matchesAt(subject: Uint8Array, firstByte: number, firstToken: number, count: number): boolean {
    for (let i = 0; i < count; i++) {
      if (!tokenMatches(this.tokens[firstToken + i] as number, subject[firstByte + i] as number, this.classBits)) return false;
    }
    return true;
  }

  /** Greedy match of the tokens up to and including the last star against subject[0, subjectEnd). */
  private matchUpToLastStar(subject: Uint8Array, subjectEnd: number): GlobOutcome {
    const tokens = this.tokens;
    const classBits = this.classBits;
    const lastStar = this.lastStar;
    let left = this.rereadsLeft;
    let p = 0;
    let s = 0;
    let starP = -1;
    let starS = 0;
    let unread = 0; // subject[unread] and beyond were never compared: comparing them is free
    for (;;) {
      const token = tokens[p] as number;
      if (token === STAR_TOKEN) {
        // The last star takes whatever remains: no need to walk it.
        if (p === lastStar) return this.finish(left, 'match');
        p++;
        starP = p;
        starS = s;
        continue;
      }
      if (s === subjectEnd) return this.finish(left, 'no-match');
      if (s < unread) {
        if (left === 0) return this.finish(0, 'gave-up');
        left--;
      } else {
        unread = s + 1;
      }
      if (tokenMatches(token, subject[s] as number, classBits)) {
        p++;
        s++;
        continue;
      }
      if (starP < 0) return this.finish(left, 'no-match');
      starS++;
      s = starS;
      p = starP;
    }
  }

  private finish(rereadsLeft: number, outcome: GlobOutcome): GlobOutcome {
    this.rereadsLeft = rereadsLeft;
    return outcome;
  }
}

function tokenMatches(token: number, byte: number, classBits: Int32Array): boolean {
  if (token < ANY_BYTE_TOKEN) return token === byte;
  if (token === ANY_BYTE_TOKEN) return true;
  const word = classBits[(token - CLASS_TOKEN_BASE) * CLASS_WORDS + (byte >>> 5)] as number;
  return (word & (1 << (byte & 31))) !== 0;
}

/** One match without a budget: for small patterns and subjects only (CONFIG GET's parameter names). */
export function globMatch(pattern: Uint8Array, subject: Uint8Array): boolean {
  return new GlobMatcher(pattern, Number.POSITIVE_INFINITY).match(subject) === 'match';
}
