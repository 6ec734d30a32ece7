import { describe, expect, it } from 'vitest';
import { KV_ERRORS } from '../../src/kv/index.js';
import { b, Harness, s } from './kv_helpers.js';

const setCmd = (key: string, value: string, condition: 'always' | 'nx' | 'xx' = 'always', returnOld = false) =>
  ({ type: 'set', key: b(key), value: b(value), condition, returnOld }) as const;

describe('string commands', () => {
  it('SET then GET returns the value; GET of a missing key is null', () => {
    const h = new Harness();
    expect(h.set('k', 'v')).toEqual({ type: 'ok' });
    expect(h.get('k')).toBe('v');
    expect(h.get('missing')).toBeNull();
  });

  it('keeps binary keys and values byte for byte', () => {
    const h = new Harness();
    const key = new Uint8Array([0, 0xff, 0x80, 0x9f, 10]);
    const value = new Uint8Array([0xde, 0xad, 0, 0xbe, 0xef]);
    h.apply({ type: 'set', key, value, condition: 'always', returnOld: false });
    expect(h.query({ type: 'get', key })).toEqual({ type: 'bulk', value });
    expect(h.query({ type: 'keys', pattern: b('*') })).toEqual({ type: 'keys', keys: [key] });
  });

  it('SET NX only creates, SET XX only replaces, GET option returns the old value', () => {
    const h = new Harness();
    expect(h.apply(setCmd('k', '1', 'xx'))).toEqual({ type: 'null' });
    expect(h.get('k')).toBeNull();
    expect(h.apply(setCmd('k', '1', 'nx'))).toEqual({ type: 'ok' });
    expect(h.apply(setCmd('k', '2', 'nx'))).toEqual({ type: 'null' });
    expect(h.apply(setCmd('k', '3', 'xx'))).toEqual({ type: 'ok' });
    expect(h.apply(setCmd('k', '4', 'always', true))).toEqual({ type: 'bulk', value: b('3') });
    expect(h.apply(setCmd('new', '5', 'always', true))).toEqual({ type: 'null' });
    expect(h.apply(setCmd('k', '6', 'nx', true))).toEqual({ type: 'bulk', value: b('4') });
    expect(h.get('k')).toBe('4');
  });

  it('DEL and EXISTS count keys (EXISTS counts repeats, as Redis does)', () => {
    const h = new Harness();
    h.set('a', '1');
    h.set('b', '2');
    expect(h.query({ type: 'exists', keys: [b('a'), b('a'), b('c')] })).toEqual({ type: 'integer', value: 2n });
    expect(h.apply({ type: 'del', keys: [b('a'), b('c'), b('b')] })).toEqual({ type: 'integer', value: 2n });
    expect(h.query({ type: 'dbsize' })).toEqual({ type: 'integer', value: 0n });
  });

  it('APPEND returns the new length and creates missing keys; STRLEN measures bytes', () => {
    const h = new Harness();
    expect(h.apply({ type: 'append', key: b('k'), value: b('ab') })).toEqual({ type: 'integer', value: 2n });
    expect(h.apply({ type: 'append', key: b('k'), value: b('cd') })).toEqual({ type: 'integer', value: 4n });
    expect(h.get('k')).toBe('abcd');
    expect(h.query({ type: 'strlen', key: b('k') })).toEqual({ type: 'integer', value: 4n });
    expect(h.query({ type: 'strlen', key: b('nope') })).toEqual({ type: 'integer', value: 0n });
  });

  it('INCRBY counts from 0, stores decimal text, and refuses non-integers with Redis texts', () => {
    const h = new Harness();
    expect(h.apply({ type: 'incrby', key: b('n'), delta: 1n })).toEqual({ type: 'integer', value: 1n });
    expect(h.apply({ type: 'incrby', key: b('n'), delta: -11n })).toEqual({ type: 'integer', value: -10n });
    expect(h.get('n')).toBe('-10');
    for (const bad of ['abc', ' 1', '1 ', '+1', '01', '-0', '', '1.5', '99999999999999999999']) {
      h.set('x', bad);
      expect(h.apply({ type: 'incrby', key: b('x'), delta: 1n }), bad).toEqual({ type: 'error', message: KV_ERRORS.notInteger });
      expect(h.get('x')).toBe(bad);
    }
    expect(KV_ERRORS.notInteger).toBe('ERR value is not an integer or out of range');
  });

  it('INCRBY refuses to overflow 64 bits', () => {
    const h = new Harness();
    h.set('n', '9223372036854775807');
    expect(h.apply({ type: 'incrby', key: b('n'), delta: 1n })).toEqual({
      type: 'error',
      message: 'ERR increment or decrement would overflow',
    });
    h.set('m', '-9223372036854775807');
    expect(h.apply({ type: 'incrby', key: b('m'), delta: -1n })).toEqual({ type: 'integer', value: -(2n ** 63n) });
    expect(h.apply({ type: 'incrby', key: b('m'), delta: -1n }).type).toBe('error');
  });

  it('CAS swaps only on a match and reports the current value either way', () => {
    const h = new Harness();
    expect(h.apply({ type: 'cas', key: b('k'), expected: b('x'), value: b('y') })).toEqual({ type: 'cas', swapped: false, current: null });
    expect(h.apply({ type: 'cas', key: b('k'), expected: null, value: b('1') })).toEqual({ type: 'cas', swapped: true, current: b('1') });
    expect(h.apply({ type: 'cas', key: b('k'), expected: null, value: b('2') })).toEqual({ type: 'cas', swapped: false, current: b('1') });
    expect(h.apply({ type: 'cas', key: b('k'), expected: b('1'), value: b('2') })).toEqual({ type: 'cas', swapped: true, current: b('2') });
    expect(h.apply({ type: 'cas', key: b('k'), expected: b('1'), value: b('3') })).toEqual({ type: 'cas', swapped: false, current: b('2') });
    expect(h.get('k')).toBe('2');
  });

  it('MSET sets all pairs (the last one wins on repeats), MGET answers nulls for missing keys', () => {
    const h = new Harness();
    expect(h.apply({ type: 'mset', entries: [{ key: b('a'), value: b('1') }, { key: b('b'), value: b('2') }, { key: b('a'), value: b('3') }] })).toEqual({ type: 'ok' });
    const got = h.query({ type: 'mget', keys: [b('a'), b('x'), b('b')] });
    expect(got.type === 'values' && got.values.map(s)).toEqual(['3', null, '2']);
  });

  it('KEYS matches Redis globs and lists keys in byte order', () => {
    const h = new Harness();
    for (const key of ['user:2', 'user:10', 'user:1', 'order:1', 'u*x']) h.set(key, 'v');
    const keys = (pattern: string) => {
      const result = h.query({ type: 'keys', pattern: b(pattern) });
      return result.type === 'keys' ? result.keys.map(s) : result;
    };
    expect(keys('user:*')).toEqual(['user:1', 'user:10', 'user:2']);
    expect(keys('user:?')).toEqual(['user:1', 'user:2']);
    expect(keys('user:[12]')).toEqual(['user:1', 'user:2']);
    expect(keys('user:[^1]*')).toEqual(['user:2']);
    expect(keys('u\\*x')).toEqual(['u*x']);
    expect(keys('*')).toHaveLength(5);
    expect(keys('nothing*')).toEqual([]);
  });

  it('a proposal of several items returns one result per item, in order, reads included', () => {
    const h = new Harness();
    const results = h.applyItems([
      { session: null, command: { type: 'set', key: b('k'), value: b('1'), condition: 'always', returnOld: false } },
      { session: null, command: { type: 'get', key: b('k') } },
      { session: null, command: { type: 'incrby', key: b('k'), delta: 5n } },
      { session: null, command: { type: 'get', key: b('k') } },
    ]);
    expect(results).toEqual([{ type: 'ok' }, { type: 'bulk', value: b('1') }, { type: 'integer', value: 6n }, { type: 'bulk', value: b('6') }]);
  });

  it('answers malformed bytes with an error value instead of throwing', () => {
    const h = new Harness();
    const out = h.machine.apply(new Uint8Array([1, 1, 5, 99]), ++h.index);
    expect(out.length).toBeGreaterThan(0);
    expect(() => h.machine.query(new Uint8Array([7]))).not.toThrow();
  });
});
