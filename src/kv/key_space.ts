/**
 * The map of keys to values. Keys are bytes; the Map is keyed by their latin1 string (one char per
 * byte, a bijection), which JavaScript hashes well. Iteration order is insertion order, which
 * every replica reproduces from the same log, and snapshots preserve.
 *
 * SCAN pages through keys ordered by (32-bit hash, key). The cursor is the hash to resume from,
 * plus one, so a key present for the whole scan is returned exactly once whatever else changes:
 * keys never move in that order. The sorted index is rebuilt lazily after keys are added or removed.
 */
import { fnv1a } from '../lib/hash.js';
import type { Bytes } from './commands.js';
import type { GlobMatcher } from './glob.js';

const CHUNK = 8192;

export function keyString(key: Bytes): string {
  if (key.length <= CHUNK) return String.fromCharCode.apply(null, key as unknown as number[]);
  let out = '';
  for (let i = 0; i < key.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, key.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return out;
}

export function keyBytes(key: string): Bytes {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

interface ScanEntry {
  hash: number;
  key: string;
}

export interface ScanPage {
  cursor: number;
  keys: Bytes[];
}

export class KeySpace {
  private readonly map = new Map<string, Bytes>();
  private scanIndex: ScanEntry[] | null = null;

  get size(): number {
    return this.map.size;
  }

  get(key: Bytes): Bytes | undefined {
    return this.map.get(keyString(key));
  }

  /** get() by the key's string (keyString): a command that reads then writes a key converts it once. */
  getByName(name: string): Bytes | undefined {
    return this.map.get(name);
  }

  has(key: Bytes): boolean {
    return this.map.has(keyString(key));
  }

  set(key: Bytes, value: Bytes): void {
    this.setByName(keyString(key), value);
  }

  setByName(name: string, value: Bytes): void {
    if (this.scanIndex !== null && !this.map.has(name)) this.scanIndex = null;
    this.map.set(name, value);
  }

  delete(key: Bytes): boolean {
    const removed = this.map.delete(keyString(key));
    if (removed) this.scanIndex = null;
    return removed;
  }

  clear(): void {
    this.map.clear();
    this.scanIndex = null;
  }

  /** Entries in insertion order, keys as latin1 strings (for snapshots). */
  entries(): IterableIterator<[string, Bytes]> {
    return this.map.entries();
  }

  /** Keys the matcher accepts, in byte order; null when it gave up (its budget ran out). */
  keys(matcher: GlobMatcher): Bytes[] | null {
    const all = matcher.matchesEverything;
    const names: string[] = [];
    for (const name of this.map.keys()) {
      const outcome = all ? 'match' : matcher.match(keyBytes(name));
      if (outcome === 'gave-up') return null;
      if (outcome === 'match') names.push(name);
    }
    names.sort(compareStrings);
    return names.map(keyBytes);
  }

  /**
   * One SCAN page: examines up to `count` keys (more when hashes collide), then filters by the
   * matcher (none: every key); null when the matcher gave up (its budget ran out).
   */
  scan(cursor: number, count: number, matcher: GlobMatcher | null): ScanPage | null {
    const index = this.sortedIndex();
    const startHash = cursor === 0 ? 0 : cursor - 1;
    let at = lowerBound(index, startHash);
    const keys: Bytes[] = [];
    let examined = 0;
    let lastHash = -1;
    while (at < index.length) {
      const entry = index[at] as ScanEntry;
      // Never split keys of one hash across pages: the next cursor resumes after that hash.
      if (examined >= count && entry.hash !== lastHash) break;
      const key = keyBytes(entry.key);
      const outcome = matcher === null ? 'match' : matcher.match(key);
      if (outcome === 'gave-up') return null;
      if (outcome === 'match') keys.push(key);
      lastHash = entry.hash;
      examined++;
      at++;
    }
    const done = at >= index.length;
    return { cursor: done ? 0 : lastHash + 2, keys };
  }

  private sortedIndex(): ScanEntry[] {
    if (this.scanIndex === null) {
      const index: ScanEntry[] = [];
      for (const key of this.map.keys()) index.push({ hash: fnv1a(key), key });
      index.sort((a, b) => a.hash - b.hash || compareStrings(a.key, b.key));
      this.scanIndex = index;
    }
    return this.scanIndex;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(index: ScanEntry[], hash: number): number {
  let low = 0;
  let high = index.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((index[mid] as ScanEntry).hash < hash) low = mid + 1;
    else high = mid;
  }
  return low;
}
