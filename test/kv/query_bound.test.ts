/**
 * query() answers reads until their answers pass QUERY_RESULT_BYTES_MAX, then defers the rest with
 * one 'deferred' result, so one batch of reads of a big value is never answered as a whole.
 */
import { describe, expect, it } from 'vitest';
import { ANSWER_BYTES_MAX, decodeResults, encodeQuery, encodeResults, QUERY_RESULT_BYTES_MAX, type KvRead, type KvResult } from '../../src/kv/index.js';
import { b, Harness } from './kv_helpers.js';

function queryAll(h: Harness, reads: KvRead[]): KvResult[] {
  const decoded = decodeResults(h.machine.query(encodeQuery(reads)));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.value;
}

describe("the bound on one query's answers", () => {
  it('answers reads until QUERY_RESULT_BYTES_MAX is passed, then one deferred result for the rest', () => {
    const h = new Harness();
    const valueBytes = 1024 * 1024;
    h.set('big', 'v'.repeat(valueBytes));
    const reads: KvRead[] = Array.from({ length: 20 }, () => ({ type: 'get', key: b('big') }));
    const results = queryAll(h, reads);
    const answered = Math.ceil(QUERY_RESULT_BYTES_MAX / valueBytes);
    expect(results).toHaveLength(answered + 1);
    expect(results.slice(0, answered).every((r) => r.type === 'bulk' && r.value.length === valueBytes)).toBe(true);
    expect(results.at(-1)).toEqual({ type: 'deferred' });
  });

  it('always answers the first read, however big; a batch that fits gets no deferred result', () => {
    const h = new Harness();
    h.set('huge', 'h'.repeat(QUERY_RESULT_BYTES_MAX * 2));
    h.set('small', 's');
    const first = queryAll(h, [{ type: 'get', key: b('huge') }, { type: 'get', key: b('small') }]);
    expect(first.map((r) => r.type)).toEqual(['bulk', 'deferred']);
    expect(queryAll(h, [{ type: 'get', key: b('huge') }]).map((r) => r.type)).toEqual(['bulk']);
    const many: KvRead[] = Array.from({ length: 1000 }, () => ({ type: 'get', key: b('small') }));
    expect(queryAll(h, many).every((r) => r.type === 'bulk')).toBe(true);
  });

  it('a deferred result survives the result codec', () => {
    const results: KvResult[] = [{ type: 'ok' }, { type: 'deferred' }];
    expect(decodeResults(encodeResults(results))).toEqual({ ok: true, value: results });
  });

  it('refuses one command whose answer would pass ANSWER_BYTES_MAX, and answers the reads around it', () => {
    const h = new Harness();
    const valueBytes = 1024 * 1024;
    h.set('big', 'v'.repeat(valueBytes));
    const fitting = ANSWER_BYTES_MAX / valueBytes - 1; // each value also weighs a few bytes of framing
    const tooMany = ANSWER_BYTES_MAX / valueBytes + 1;
    const mget = (count: number): KvRead => ({ type: 'mget', keys: Array.from({ length: count }, () => b('big')) });
    const [refused, after] = h.machine.queryCommands([mget(tooMany), { type: 'get', key: b('big') }]);
    expect(refused).toEqual({
      type: 'error',
      message: `ERR the answer would be ${tooMany * (valueBytes + 8)} bytes, over the limit of ${ANSWER_BYTES_MAX} for one command: ask for fewer keys at a time`,
    });
    expect(after?.type === 'bulk' && after.value.length).toBe(valueBytes);
    // Through the codec too (a follower's forwarded read), and an answer under the limit still comes whole.
    expect(queryAll(h, [mget(tooMany)]).map((r) => r.type)).toEqual(['error']);
    const [answered] = h.machine.queryCommands([mget(fitting)]);
    expect(answered?.type === 'values' && answered.values.length).toBe(fitting);
  });

  it('bounds the reads a proposal carries (a pipeline mixing reads and writes): each answer, and all of them together', () => {
    const h = new Harness();
    const valueBytes = 1024 * 1024;
    h.set('big', 'v'.repeat(valueBytes));
    const perAnswer = ANSWER_BYTES_MAX / valueBytes;
    const mget = (count: number): KvRead => ({ type: 'mget', keys: Array.from({ length: count }, () => b('big')) });
    const write = { session: null, command: { type: 'set', key: b('w'), value: b('1'), condition: 'always', returnOld: false } as const };
    // One MGET past the bound: refused, and the write in the same proposal still applies.
    const [written, refused] = h.applyItems([write, { session: null, command: mget(perAnswer + 1) }]);
    expect(written).toEqual({ type: 'ok' });
    expect(refused?.type === 'error' && refused.message).toMatch(/^ERR the answer would be \d+ bytes, over the limit of/);
    // Several that fit one by one but not together: the first ones are answered, the rest refused.
    const half = Math.floor(perAnswer / 2) - 1;
    const results = h.applyItems([write, ...Array.from({ length: 3 }, () => ({ session: null, command: mget(half) }))]);
    expect(results.map((r) => r.type)).toEqual(['ok', 'values', 'values', 'error']);
    expect(results[3]?.type === 'error' && results[3].message).toMatch(/^ERR the answers of the reads sent with these writes would be \d+ bytes/);
  });
});
