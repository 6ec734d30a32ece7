/**
 * Redis glob syntax (KEYS, SCAN MATCH) compiled once per command into tokens that each test one
 * byte in constant time: `*` any run, `?` one byte, `[abc]`, `[^a-z]` classes and `\x` escapes.
 * A comparison of a key byte with a token then costs the same whatever the classes look like,
 * so glob.ts can bound a command's matching work by counting comparisons.
 */
const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const BACKSLASH = 0x5c;

/** Token codes: 0..255 a literal byte, then these; class number k is CLASS_TOKEN_BASE + k. */
export const ANY_BYTE_TOKEN = 256;
export const STAR_TOKEN = 257;
export const CLASS_TOKEN_BASE = 258;
/** A class is a 256-bit set of bytes: eight 32-bit words in CompiledGlob.classBits. */
export const CLASS_WORDS = 8;

export interface CompiledGlob {
  /** One code per token; a run of stars is one STAR_TOKEN. */
  tokens: Int32Array;
  /** The classes' byte sets, CLASS_WORDS words each; equal classes share one set. */
  classBits: Int32Array;
  /** Every other token matches exactly one byte, so a subject shorter than their count fails. */
  minimumSubjectBytes: number;
  /** Index of the last STAR_TOKEN, -1 without one: the tokens after it match the subject's end. */
  lastStar: number;
}

export function compileGlob(pattern: Uint8Array): CompiledGlob {
  const tokens = new Int32Array(pattern.length); // a token takes at least one pattern byte
  const classes = new ClassTable();
  let count = 0;
  let starCount = 0;
  let lastStar = -1;
  let p = 0;
  while (p < pattern.length) {
    const byte = pattern[p] as number;
    if (byte === STAR) {
      if (count === 0 || tokens[count - 1] !== STAR_TOKEN) {
        lastStar = count;
        tokens[count++] = STAR_TOKEN;
        starCount++;
      }
      p++;
    } else if (byte === QUESTION) {
      tokens[count++] = ANY_BYTE_TOKEN;
      p++;
    } else if (byte === OPEN) {
      p = parseClass(pattern, p + 1, classes.scratch);
      tokens[count++] = CLASS_TOKEN_BASE + classes.numberOfScratch();
    } else if (byte === BACKSLASH && p + 1 < pattern.length) {
      tokens[count++] = pattern[p + 1] as number;
      p += 2;
    } else {
      tokens[count++] = byte;
      p++;
    }
  }
  return { tokens: tokens.slice(0, count), classBits: classes.bits(), minimumSubjectBytes: count - starCount, lastStar };
}

/**
 * A `[...]` class starting after the `[`, its byte set written into `bits`; returns the index after
 * the `]`. An unterminated class runs to the end, as in Redis.
 */
function parseClass(pattern: Uint8Array, start: number, bits: Int32Array): number {
  bits.fill(0);
  let p = start;
  const negate = pattern[p] === CARET;
  if (negate) p++;
  while (p < pattern.length && pattern[p] !== CLOSE) {
    const first = pattern[p] as number;
    if (first === BACKSLASH && p + 1 < pattern.length) {
      addRange(bits, pattern[p + 1] as number, pattern[p + 1] as number);
      p += 2;
    } else if (p + 2 < pattern.length && pattern[p + 1] === DASH && pattern[p + 2] !== CLOSE) {
      const last = pattern[p + 2] as number;
      addRange(bits, Math.min(first, last), Math.max(first, last)); // reversed ranges work, as in Redis
      p += 3;
    } else {
      addRange(bits, first, first);
      p++;
    }
  }
  if (negate) for (let word = 0; word < CLASS_WORDS; word++) bits[word] = ~(bits[word] as number);
  return p < pattern.length ? p + 1 : p;
}

function addRange(bits: Int32Array, low: number, high: number): void {
  for (let byte = low; byte <= high; byte++) bits[byte >>> 5] = (bits[byte >>> 5] as number) | (1 << (byte & 31));
}

/** Numbers distinct classes, so a pattern of many equal classes keeps one byte set. */
class ClassTable {
  /** Where parseClass writes the class being compiled. */
  readonly scratch = new Int32Array(CLASS_WORDS);
  private readonly numberByHash = new Map<number, number>();
  private readonly sets: Int32Array[] = [];

  numberOfScratch(): number {
    let hash = 0;
    for (const word of this.scratch) hash = Math.imul(hash ^ word, 0x9e3779b1);
    const known = this.numberByHash.get(hash);
    if (known !== undefined && equalWords(this.sets[known] as Int32Array, this.scratch)) return known;
    const number = this.sets.length;
    this.sets.push(this.scratch.slice());
    // On a hash collision the second class keeps its own set, unshared: still correct.
    if (known === undefined) this.numberByHash.set(hash, number);
    return number;
  }

  bits(): Int32Array {
    const out = new Int32Array(this.sets.length * CLASS_WORDS);
    this.sets.forEach((set, number) => out.set(set, number * CLASS_WORDS));
    return out;
  }
}

function equalWords(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < CLASS_WORDS; i++) if (a[i] !== b[i]) return false;
  return true;
}
