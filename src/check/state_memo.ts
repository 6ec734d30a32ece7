/**
 * The search's memory of visited states: (set of linearized operations, key value). Lowe's
 * memoization, with one refinement for unknown outcomes: a state whose linearized set differs from a
 * remembered one only by *more* unknown-outcome operations is dominated by it (those operations can
 * always be left out, so it has no future the remembered state lacks) and is not searched again.
 *
 * The set is a bitset over operation indexes, hashed incrementally (Zobrist: XOR of a random key per
 * operation); only ok operations enter the hash, so dominated states land in the same bucket.
 */
import { Prng } from '../lib/prng.js';

/** Two hash halves give a 53-bit bucket key: collisions are rare, and checked exactly anyway. */
const LOW_SPAN = 2 ** 21;

interface Remembered {
  bits: Uint32Array;
  state: number;
}

export class StateMemo {
  private readonly current: Uint32Array;
  private readonly okMask: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly buckets = new Map<number, Remembered[]>();
  private hashA = 0;
  private hashB = 0;
  private count = 0;

  /** `unknown[i]` says whether operation i has an unknown outcome. */
  constructor(unknown: readonly boolean[]) {
    const words = Math.ceil(unknown.length / 32);
    this.current = new Uint32Array(words);
    this.okMask = new Uint32Array(words);
    this.keys = new Uint32Array(2 * unknown.length);
    const random = new Prng(0x5eed ^ unknown.length);
    unknown.forEach((isUnknown, i) => {
      if (isUnknown) return;
      this.okMask[i >>> 5] = (this.okMask[i >>> 5] as number) | (1 << (i & 31));
      this.keys[2 * i] = random.nextUint32();
      this.keys[2 * i + 1] = random.nextUint32();
    });
  }

  /** States remembered so far. */
  get size(): number {
    return this.count;
  }

  /**
   * Adds operation `index` to the current set with resulting `state`. Returns true (and keeps it
   * added) for a state not seen or dominated before; false (and undoes the add) otherwise.
   */
  visit(index: number, state: number): boolean {
    this.toggle(index);
    const key = ((this.hashA ^ Math.imul(state, 0x9e3779b1)) >>> 0) * LOW_SPAN + (this.hashB & (LOW_SPAN - 1));
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      this.buckets.set(key, [{ bits: this.current.slice(), state }]);
    } else {
      for (const seen of bucket) {
        if (seen.state === state && this.dominatedBy(seen.bits)) {
          this.toggle(index);
          return false;
        }
      }
      bucket.push({ bits: this.current.slice(), state });
    }
    this.count++;
    return true;
  }

  /** Removes operation `index` from the current set (backtracking). */
  leave(index: number): void {
    this.toggle(index);
  }

  private toggle(index: number): void {
    this.current[index >>> 5] = (this.current[index >>> 5] as number) ^ (1 << (index & 31));
    this.hashA = (this.hashA ^ (this.keys[2 * index] as number)) >>> 0;
    this.hashB = (this.hashB ^ (this.keys[2 * index + 1] as number)) >>> 0;
  }

  /** Same ok operations, and every unknown one in `seen` also in the current set. */
  private dominatedBy(seen: Uint32Array): boolean {
    const current = this.current;
    for (let w = 0; w < current.length; w++) {
      const s = seen[w] as number;
      const c = current[w] as number;
      if ((s & ~c) !== 0 || (c & ~s & (this.okMask[w] as number)) !== 0) return false;
    }
    return true;
  }
}
