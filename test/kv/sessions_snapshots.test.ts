import { describe, expect, it } from 'vitest';
import { decodeResults, KvStateMachine, type KvCommand, type KvItem, type KvResult } from '../../src/kv/index.js';
import { encodeResult } from '../../src/kv/command_codec.js';
import { resultCharge, SESSION_RESULT_BYTES_MAX } from '../../src/kv/session_table.js';
import { InvariantViolation } from '../../src/lib/assert.js';
import { Prng } from '../../src/lib/prng.js';
import { b, Harness, s } from './kv_helpers.js';

const incr: KvCommand = { type: 'incrby', key: b('n'), delta: 1n };

describe('exactly-once sessions', () => {
  it('a retried write returns its first result without applying again', () => {
    const h = new Harness();
    const session = { clientId: 'c1', sequence: 1 };
    expect(h.apply(incr, session)).toEqual({ type: 'integer', value: 1n });
    expect(h.apply(incr, session)).toEqual({ type: 'integer', value: 1n });
    expect(h.get('n')).toBe('1');
    expect(h.apply(incr, { clientId: 'c1', sequence: 2 })).toEqual({ type: 'integer', value: 2n });
    expect(h.apply(incr, { clientId: 'c2', sequence: 1 })).toEqual({ type: 'integer', value: 3n });
    expect(h.apply(incr, { clientId: 'c1', sequence: 1 })).toEqual({ type: 'integer', value: 1n });
    expect(h.get('n')).toBe('3');
  });

  it('retries of a pipeline may arrive out of order inside the window', () => {
    const h = new Harness();
    expect(h.apply(incr, { clientId: 'c', sequence: 1 })).toEqual({ type: 'integer', value: 1n });
    expect(h.apply(incr, { clientId: 'c', sequence: 3 })).toEqual({ type: 'integer', value: 2n });
    expect(h.apply(incr, { clientId: 'c', sequence: 2 })).toEqual({ type: 'integer', value: 3n });
    expect(h.apply(incr, { clientId: 'c', sequence: 3 })).toEqual({ type: 'integer', value: 2n });
    expect(h.apply(incr, { clientId: 'c', sequence: 2 })).toEqual({ type: 'integer', value: 3n });
    expect(h.get('n')).toBe('3');
  });

  it('keeps results for 1024 sequences by default, so a deep pipeline can be retried', () => {
    const h = new Harness();
    for (let sequence = 1; sequence <= 1100; sequence++) h.apply(incr, { clientId: 'c', sequence });
    expect(h.apply(incr, { clientId: 'c', sequence: 1100 - 1023 })).toEqual({ type: 'integer', value: 77n });
    const old = h.apply(incr, { clientId: 'c', sequence: 1100 - 1024 });
    expect(old.type === 'error' && old.message).toMatch(/^SESSIONEXPIRED /);
    expect(h.get('n')).toBe('1100');
  });

  it('a fresh session may start out of order (its first pipelined writes race)', () => {
    const h = new Harness();
    expect(h.apply(incr, { clientId: 'fresh', sequence: 3 })).toEqual({ type: 'integer', value: 1n });
    expect(h.apply(incr, { clientId: 'fresh', sequence: 1 })).toEqual({ type: 'integer', value: 2n });
    expect(h.apply(incr, { clientId: 'fresh', sequence: 3 })).toEqual({ type: 'integer', value: 1n });
  });

  it('an evicted session is refused for every sequence, never applied twice, also after a snapshot', () => {
    const h = new Harness(new KvStateMachine({ maxSessions: 1, sessionWindow: 1024 }));
    h.apply(incr, { clientId: 'old', sequence: 1 });
    h.apply(incr, { clientId: 'old', sequence: 2 });
    h.apply(incr, { clientId: 'other', sequence: 1 }); // evicts 'old'
    for (const sequence of [1, 2, 3]) {
      const retry = h.apply(incr, { clientId: 'old', sequence });
      expect(retry.type === 'error' && retry.message).toMatch(/^SESSIONEXPIRED client session 'old' was evicted \(last sequence 2\)/);
    }
    expect(h.get('n')).toBe('3');
    const snapshot = h.machine.snapshot();
    const restored = new KvStateMachine({ maxSessions: 1, sessionWindow: 1024 });
    restored.restore(snapshot);
    expect(restored.snapshot()).toEqual(snapshot); // husks survive the round trip in order
    const replica = new Harness(restored);
    replica.index = h.index;
    const retry = replica.apply(incr, { clientId: 'old', sequence: 2 });
    expect(retry.type === 'error' && retry.message).toMatch(/^SESSIONEXPIRED .*was evicted/);
    expect(replica.apply(incr, { clientId: 'other', sequence: 1 })).toEqual({ type: 'integer', value: 3n }); // its first result
  });

  it('remembers error results too (a retried failing INCR fails the same way)', () => {
    const h = new Harness();
    h.set('n', 'text');
    const first = h.apply(incr, { clientId: 'c', sequence: 1 });
    h.set('n', '5');
    expect(h.apply(incr, { clientId: 'c', sequence: 1 })).toEqual(first);
    expect(h.get('n')).toBe('5');
  });

  it('keeps no big result: a retry of SET ... GET with a big old value says it was applied, and applies nothing', () => {
    const h = new Harness();
    const old = 'o'.repeat(SESSION_RESULT_BYTES_MAX);
    h.set('k', old);
    const setGet: KvCommand = { type: 'set', key: b('k'), value: b('new'), condition: 'always', returnOld: true };
    const first = h.apply(setGet, { clientId: 'c', sequence: 1 });
    expect(first.type === 'bulk' && s(first.value)).toBe(old);
    h.set('k', 'later');
    const retry = h.apply(setGet, { clientId: 'c', sequence: 1 });
    expect(retry).toEqual({ type: 'error', message: expect.stringMatching(/^ERR SEQ 1 was applied once; its result \(\d+ bytes\) was too large to keep for a retry: read the key instead$/) });
    expect(h.get('k')).toBe('later');
    // A small old value is kept and replayed as before.
    const second = h.apply(setGet, { clientId: 'c', sequence: 2 });
    expect(h.apply(setGet, { clientId: 'c', sequence: 2 })).toEqual(second);
    expect(second.type === 'bulk' && s(second.value)).toBe('later');
  });

  it('refuses a sequence below the retry window with SESSIONEXPIRED', () => {
    const h = new Harness(new KvStateMachine({ sessionWindow: 4 }));
    for (let sequence = 1; sequence <= 10; sequence++) h.apply(incr, { clientId: 'c', sequence });
    const old = h.apply(incr, { clientId: 'c', sequence: 3 });
    expect(old.type === 'error' && old.message).toMatch(/^SESSIONEXPIRED /);
    expect(h.apply(incr, { clientId: 'c', sequence: 8 })).toEqual({ type: 'integer', value: 8n });
    expect(h.get('n')).toBe('10');
  });

  it('bounds the table, evicting the least recently used session the same way on every replica', () => {
    const h = new Harness(new KvStateMachine({ maxSessions: 2, sessionWindow: 4 }));
    h.apply(incr, { clientId: 'a', sequence: 1 });
    h.apply(incr, { clientId: 'b', sequence: 1 });
    h.apply(incr, { clientId: 'a', sequence: 1 }); // a retry makes a recently used
    h.apply(incr, { clientId: 'c', sequence: 1 }); // evicts b
    expect(h.machine.sessionCount).toBe(2);
    expect(h.apply(incr, { clientId: 'a', sequence: 1 })).toEqual({ type: 'integer', value: 1n });
    const evicted = h.apply(incr, { clientId: 'b', sequence: 9 });
    expect(evicted.type === 'error' && evicted.message).toMatch(/^SESSIONEXPIRED client session 'b'/);
  });

  it('bounds the kept results in bytes too, evicting the least recently used sessions first', () => {
    // An INCR answer is charged 256 + 9 bytes: room for ten of them.
    const charge = resultCharge(encodeResult({ type: 'integer', value: 1n }));
    const h = new Harness(new KvStateMachine({ sessionWindow: 1024, sessionResultBytesMax: 10 * charge }));
    for (const clientId of ['a', 'b']) for (let sequence = 1; sequence <= 5; sequence++) h.apply(incr, { clientId, sequence });
    expect(h.machine.sessionCount).toBe(2);
    expect(h.apply(incr, { clientId: 'c', sequence: 1 })).toEqual({ type: 'integer', value: 11n }); // evicts a
    expect(h.machine.sessionCount).toBe(2);
    const evicted = h.apply(incr, { clientId: 'a', sequence: 5 });
    expect(evicted.type === 'error' && evicted.message).toMatch(/^SESSIONEXPIRED client session 'a' was evicted \(last sequence 5\)/);
    expect(h.apply(incr, { clientId: 'b', sequence: 1 })).toEqual({ type: 'integer', value: 6n }); // b kept its results
    expect(h.get('n')).toBe('11');
  });

  it('charges a session only for its window: sessions writing far past it are never evicted for bytes', () => {
    const charge = resultCharge(encodeResult({ type: 'integer', value: 1n }));
    const h = new Harness(new KvStateMachine({ sessionWindow: 4, sessionResultBytesMax: 2 * 5 * charge }));
    for (let sequence = 1; sequence <= 200; sequence++) {
      h.apply(incr, { clientId: 'a', sequence });
      h.apply(incr, { clientId: 'b', sequence });
    }
    expect(h.machine.sessionCount).toBe(2);
    expect(h.apply(incr, { clientId: 'a', sequence: 197 })).toEqual({ type: 'integer', value: 393n });
    expect(h.apply(incr, { clientId: 'b', sequence: 200 })).toEqual({ type: 'integer', value: 400n });
  });

  it('charges the shared OK answer of a plain SET its map slot only', () => {
    expect(resultCharge(encodeResult({ type: 'ok' }))).toBe(32);
    const h = new Harness(new KvStateMachine({ sessionWindow: 1024, sessionResultBytesMax: 100 * 32 }));
    for (let sequence = 1; sequence <= 100; sequence++) h.apply({ type: 'set', key: b('k'), value: b('v'), condition: 'always', returnOld: false }, { clientId: 'a', sequence });
    h.apply(incr, { clientId: 'b', sequence: 1 }); // 32 × 100 + an integer answer: over, so a goes
    expect(h.machine.sessionCount).toBe(1);
  });

  it('a restored replica evicts for bytes exactly where the original does (INCR and SET answers)', () => {
    const charge = resultCharge(encodeResult({ type: 'integer', value: 1n }));
    const options = { sessionWindow: 8, sessionResultBytesMax: 10 * charge };
    const original = new Harness(new KvStateMachine(options));
    const random = new Prng(7);
    // Alternate an INCR answer (its own array) and a plain SET's +OK (shared when applied, a copy in a snapshot).
    const set: KvCommand = { type: 'set', key: b('k'), value: b('v'), condition: 'always', returnOld: false };
    const step = (h: Harness, clientId: string, sequence: number): KvResult => h.apply(sequence % 2 === 0 ? set : incr, { clientId, sequence });
    const plan: Array<[string, number]> = [];
    const next = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      // New sessions keep coming, so evictions go on after the restore.
      const clientId = `c${Math.floor(i / 15) + random.int(0, 3)}`;
      const sequence = (next.get(clientId) ?? 0) + 1;
      next.set(clientId, sequence);
      plan.push([clientId, sequence]);
    }
    for (const [clientId, sequence] of plan.slice(0, 150)) step(original, clientId, sequence);
    const restored = new Harness(new KvStateMachine(options));
    restored.machine.restore(original.machine.snapshot());
    restored.index = original.index;
    let refused = 0;
    for (const [clientId, sequence] of plan.slice(150)) {
      const result = step(original, clientId, sequence);
      expect(step(restored, clientId, sequence)).toEqual(result);
      if (result.type === 'error') refused++;
    }
    expect(refused).toBeGreaterThan(0); // sessions were evicted for bytes after the restore
    expect(restored.machine.snapshot()).toEqual(original.machine.snapshot());
  });
});

describe('snapshots and determinism', () => {
  function randomItems(random: Prng, count: number): KvItem[] {
    const keys = ['a', 'b', 'c', 'counter', 'd\u0000x'];
    const items: KvItem[] = [];
    for (let i = 0; i < count; i++) {
      const key = b(random.pick(keys));
      const value = b(String(random.int(0, 20)));
      const command = random.pick<KvCommand>([
        { type: 'set', key, value, condition: random.pick(['always', 'nx', 'xx'] as const), returnOld: random.chance(0.5) },
        { type: 'del', keys: [key, b(random.pick(keys))] },
        { type: 'append', key, value },
        { type: 'incrby', key, delta: BigInt(random.int(-3, 3)) },
        { type: 'cas', key, expected: random.chance(0.3) ? null : value, value: b('x') },
        { type: 'mset', entries: [{ key, value }] },
        { type: 'get', key },
      ]);
      const session = random.chance(0.5) ? { clientId: `c${random.int(1, 6)}`, sequence: random.int(1, 40) } : null;
      items.push({ session, command });
    }
    return items;
  }

  it('two machines fed the same entries end with equal snapshots and results (seeded)', () => {
    const seed = Number(process.env.SEED) || Date.now() % 1_000_000;
    console.log(`kv determinism seed=${seed} (replay: SEED=${seed} npx vitest run test/kv)`);
    const random = new Prng(seed);
    const one = new Harness(new KvStateMachine({ maxSessions: 4, sessionWindow: 8 }));
    const two = new Harness(new KvStateMachine({ maxSessions: 4, sessionWindow: 8 }));
    for (let entry = 0; entry < 300; entry++) {
      const items = randomItems(random, random.int(1, 5));
      expect(one.applyItems(items), `seed=${seed}`).toEqual(two.applyItems(items));
    }
    expect(one.machine.snapshot(), `seed=${seed}`).toEqual(two.machine.snapshot());
  });

  it('restoring a snapshot mid-log reaches the same state as applying the whole log (seeded)', () => {
    const seed = Number(process.env.SEED) || (Date.now() + 1) % 1_000_000;
    console.log(`kv snapshot seed=${seed} (replay: SEED=${seed} npx vitest run test/kv)`);
    const random = new Prng(seed);
    const entries = Array.from({ length: 200 }, () => randomItems(random, random.int(1, 4)));
    const full = new Harness(new KvStateMachine({ maxSessions: 3, sessionWindow: 8 }));
    entries.slice(0, 120).forEach((items) => full.applyItems(items));
    const restored = new Harness(new KvStateMachine({ maxSessions: 3, sessionWindow: 8 }));
    restored.machine.restore(full.machine.snapshot());
    restored.index = full.index;
    expect(restored.machine.appliedIndex).toBe(120);
    for (const items of entries.slice(120)) {
      expect(restored.applyItems(items), `seed=${seed}`).toEqual(full.applyItems(items));
    }
    expect(restored.machine.snapshot(), `seed=${seed}`).toEqual(full.machine.snapshot());
  });

  it('a snapshot carries sessions: a retry after restore still returns the first result', () => {
    const h = new Harness();
    h.apply(incr, { clientId: 'c', sequence: 1 });
    const copy = new Harness();
    copy.machine.restore(h.machine.snapshot());
    copy.index = h.index;
    expect(copy.apply(incr, { clientId: 'c', sequence: 1 })).toEqual({ type: 'integer', value: 1n });
    expect(copy.get('n')).toBe('1');
  });

  it('refuses a corrupt snapshot loudly rather than serving it', () => {
    const h = new Harness();
    h.set('k', 'v');
    const snapshot = h.machine.snapshot();
    expect(() => new KvStateMachine().restore(snapshot.subarray(0, snapshot.length - 1))).toThrow(InvariantViolation);
    expect(() => new KvStateMachine().restore(new Uint8Array([1, 2, 3, 4, 5, 6]))).toThrow(/not a key-value snapshot/);
  });

  it('refuses to apply an index twice', () => {
    const h = new Harness();
    h.set('k', 'v');
    expect(() => h.machine.apply(new Uint8Array(), h.index)).toThrow(InvariantViolation);
  });

  it('answers malformed proposals with an error result', () => {
    const h = new Harness();
    const decoded = decodeResults(h.machine.apply(new Uint8Array([1, 1, 5, 99]), ++h.index));
    expect(decoded.ok && decoded.value[0]?.type === 'error' && decoded.value[0].message).toMatch(/^ERR malformed command/);
  });
});

describe('SCAN', () => {
  function scanAll(h: Harness, count: number, match: string | null = null, mutate?: (page: number) => void): string[] {
    const seen: string[] = [];
    let cursor = 0;
    let page = 0;
    do {
      const result = h.query({ type: 'scan', cursor, count, match: match === null ? null : b(match) });
      if (result.type !== 'scan') throw new Error(result.type);
      seen.push(...result.keys.map((key) => s(key) as string));
      cursor = result.cursor;
      mutate?.(page++);
    } while (cursor !== 0);
    return seen;
  }

  it('pages through every key exactly once', () => {
    const h = new Harness();
    for (let i = 0; i < 250; i++) h.set(`key:${i}`, 'v');
    const seen = scanAll(h, 7);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toHaveLength(250);
  });

  it('still returns every key that stays present while other keys come and go', () => {
    const h = new Harness();
    for (let i = 0; i < 100; i++) h.set(`stay:${i}`, 'v');
    const seen = scanAll(h, 10, null, (page) => {
      h.set(`new:${page}`, 'v');
      h.apply({ type: 'del', keys: [b(`new:${page - 1}`)] });
    });
    const stayed = seen.filter((key) => key.startsWith('stay:'));
    expect(new Set(stayed).size).toBe(100);
    expect(stayed).toHaveLength(100);
  });

  it('filters with MATCH and ends with cursor 0 on an empty store', () => {
    const h = new Harness();
    expect(scanAll(h, 10)).toEqual([]);
    for (let i = 0; i < 30; i++) h.set(i % 3 === 0 ? `a:${i}` : `b:${i}`, 'v');
    expect(scanAll(h, 4, 'a:*').sort()).toEqual(['a:0', 'a:12', 'a:15', 'a:18', 'a:21', 'a:24', 'a:27', 'a:3', 'a:6', 'a:9']);
  });
});
