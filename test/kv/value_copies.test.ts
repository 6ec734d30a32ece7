import { describe, expect, it } from 'vitest';
import { decodeProposal, encodeProposal } from '../../src/kv/command_codec.js';
import { copyValue } from '../../src/kv/value_copies.js';
import { b, Harness, s } from './kv_helpers.js';

describe('stored value copies', () => {
  it('are independent of the bytes they were copied from, small and large', () => {
    for (const size of [0, 1, 100, 1024, 1025, 20_000]) {
      const source = new Uint8Array(size).fill(7);
      const copy = copyValue(source);
      source.fill(9);
      expect(copy.length).toBe(size);
      expect(copy.every((byte) => byte === 7)).toBe(true);
    }
  });

  it('never overlap: thousands of small values across slabs keep their bytes', () => {
    const copies = Array.from({ length: 5000 }, (_, i) => copyValue(new Uint8Array(1 + (i % 300)).fill(i & 0xff)));
    copies.forEach((copy, i) => {
      expect(copy.length).toBe(1 + (i % 300));
      expect(copy.every((byte) => byte === (i & 0xff))).toBe(true);
    });
  });

  it('decoded write values do not change when the log entry bytes do', () => {
    const entry = encodeProposal([{ session: null, command: { type: 'set', key: b('k'), value: b('value'), condition: 'always', returnOld: false } }]);
    const decoded = decodeProposal(entry);
    entry.fill(0);
    expect(decoded.ok && decoded.value[0]?.command.type === 'set' && s(decoded.value[0].command.value)).toBe('value');
  });

  it('a stored value survives the entry it came in being overwritten', () => {
    const h = new Harness();
    const entry = encodeProposal([{ session: null, command: { type: 'set', key: b('k'), value: b('kept'), condition: 'always', returnOld: false } }]);
    h.machine.apply(entry, ++h.index);
    entry.fill(0x41);
    expect(h.query({ type: 'get', key: b('k') })).toEqual({ type: 'bulk', value: b('kept') });
  });
});
