import { describe, expect, it } from 'vitest';
import { MATCH_REREAD_COMPARISONS_PER_COMMAND_MAX as BUDGET, SCAN_COUNT_MAX } from '../../src/kv/execute.js';
import { GlobMatcher } from '../../src/kv/glob.js';
import type { KvResult } from '../../src/kv/index.js';
import { b, Harness, s } from './kv_helpers.js';

const as = (bytes: number): string => 'a'.repeat(bytes);
/** Against a key of n a's, `*a{m}b*` tries every start and re-reads m bytes at each: (n - m) × m. */
const backtracking = (m: number): Uint8Array => b('*' + as(m) + 'b*');
const keysOf = (result: KvResult): Array<string | null> | KvResult => (result.type === 'keys' ? result.keys.map(s) : result);

describe('KEYS and SCAN MATCH under a budget of matching work', () => {
  it('answer an error, not minutes of matching, for a long pattern backtracking over a long key', () => {
    const h = new Harness();
    h.set(as(200_000), 'v');
    h.set('short', 'v');
    const pattern = backtracking(20_000);
    const keys = h.query({ type: 'keys', pattern });
    expect(keys.type === 'error' && keys.message).toBe(
      `ERR KEYS pattern too costly to match: gave up after re-reading key bytes ${BUDGET} times ` +
        `(a long pattern after '*' backtracks over long keys); use a shorter or simpler pattern`,
    );
    const scan = h.query({ type: 'scan', cursor: 0, match: pattern, count: 10 });
    expect(scan.type === 'error' && scan.message).toMatch(/^ERR SCAN MATCH pattern too costly to match: gave up after /);
    // Inside a proposal, every replica runs it: it gives up there too, at the same key.
    expect(h.applyItems([{ session: null, command: { type: 'keys', pattern } }])).toEqual([keys]);
    expect(keysOf(h.query({ type: 'keys', pattern: b('sh*') }))).toEqual(['short']);
  });

  it('gives each command a budget of its own, shared by the keys it examines', () => {
    const patternBytes = 1000;
    const pattern = backtracking(patternBytes);
    const keyBytes = patternBytes + Math.ceil((0.6 * BUDGET) / patternBytes); // one key spends 60%
    const h = new Harness();
    h.set('1' + as(keyBytes), 'v');
    expect(h.query({ type: 'keys', pattern })).toEqual({ type: 'keys', keys: [] });
    expect(h.query({ type: 'keys', pattern })).toEqual({ type: 'keys', keys: [] });
    h.set('2' + as(keyBytes), 'v');
    expect(h.query({ type: 'keys', pattern }).type).toBe('error');
    expect(h.query({ type: 'scan', cursor: 0, match: pattern, count: 2 }).type).toBe('error');
    // One key per SCAN page: each page is a command of its own, within its budget.
    let cursor = 0;
    let pages = 0;
    do {
      const page = h.query({ type: 'scan', cursor, match: pattern, count: 1 });
      if (page.type !== 'scan') throw new Error(`page ${pages}: ${JSON.stringify(page)}`);
      expect(page.keys).toEqual([]);
      cursor = page.cursor;
      pages++;
    } while (cursor !== 0);
    expect(pages).toBe(2);
  });

  it('leaves normal patterns over many short keys alone', () => {
    const h = new Harness();
    const names = Array.from({ length: 50_000 }, (_, i) => `user:${i}`);
    for (let i = 0; i < names.length; i += 1000) {
      h.apply({ type: 'mset', entries: names.slice(i, i + 1000).map((name) => ({ key: b(name), value: b('v') })) });
    }
    for (const pattern of ['*', 'user:*', '*:42', '*4*2*', 'user:[0-9]?', '*9*9*', 'u?er:1*0']) {
      const unbounded = new GlobMatcher(b(pattern), Number.POSITIVE_INFINITY);
      const expected = names.filter((name) => unbounded.match(b(name)) === 'match').sort();
      expect(keysOf(h.query({ type: 'keys', pattern: b(pattern) })), pattern).toEqual(expected);
    }
    const listed: Array<string | null> = [];
    let cursor = 0;
    do {
      const page = h.query({ type: 'scan', cursor, match: b('user:1*'), count: 1000 });
      if (page.type !== 'scan') throw new Error(JSON.stringify(page));
      listed.push(...page.keys.map(s));
      cursor = page.cursor;
    } while (cursor !== 0);
    expect(listed.sort()).toEqual(names.filter((name) => name.startsWith('user:1')).sort());
  });
});

describe('SCAN COUNT', () => {
  it('examines at most SCAN_COUNT_MAX keys per call, whatever COUNT asks, and still visits every key', () => {
    const h = new Harness();
    const total = SCAN_COUNT_MAX + 500;
    const items = Array.from({ length: total }, (_, i) => ({
      session: null,
      command: { type: 'set', key: b(`k${i}`), value: b('v'), condition: 'always', returnOld: false } as const,
    }));
    h.applyItems(items);
    const first = h.query({ type: 'scan', cursor: 0, match: null, count: 1_000_000 });
    if (first.type !== 'scan') throw new Error(`expected a scan page, got ${first.type}`);
    // A few more when hashes collide at the page's end (a hash is never split across pages).
    expect(first.keys.length).toBeGreaterThanOrEqual(SCAN_COUNT_MAX);
    expect(first.keys.length).toBeLessThan(SCAN_COUNT_MAX + 10);
    expect(first.cursor).not.toBe(0);
    const second = h.query({ type: 'scan', cursor: first.cursor, match: null, count: 1_000_000 });
    if (second.type !== 'scan') throw new Error(`expected a scan page, got ${second.type}`);
    expect(second.cursor).toBe(0);
    expect(new Set([...first.keys, ...second.keys].map(s)).size).toBe(total);
  });
});
