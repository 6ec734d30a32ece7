/**
 * The codec's reused writer: small outputs are copies (the writer keeps its buffer for the next
 * call); a buffer grown past the reuse limit is handed over instead of copied, unless most of it
 * is unused room the output would pin.
 */
import { describe, expect, it } from 'vitest';
import { BinaryWriter } from '../../src/kv/binary_codec.js';

const MIB = 1024 * 1024;

describe('BinaryWriter.finish', () => {
  it('copies small outputs and reuses its buffer', () => {
    const writer = new BinaryWriter(64);
    const first = writer.raw(new Uint8Array([1, 2, 3])).finish();
    const second = writer.raw(new Uint8Array([4, 5])).finish();
    expect([...first]).toEqual([1, 2, 3]);
    expect([...second]).toEqual([4, 5]);
    expect(first.buffer.byteLength).toBe(3);
  });

  it('hands over a big buffer it filled, and starts a new one', () => {
    const writer = new BinaryWriter(64);
    const value = new Uint8Array(2 * MIB).fill(7);
    const out = writer.u8(9).raw(value).finish();
    expect(out.length).toBe(2 * MIB + 1);
    expect(out.buffer.byteLength).toBe(2 * MIB + 1); // the writer's own buffer, not a copy of it
    const next = writer.u8(1).finish();
    expect([...next]).toEqual([1]);
    expect(out[0]).toBe(9); // the handed-over bytes are not written again
  });

  it('copies out of a big buffer that is mostly unused room', () => {
    const writer = new BinaryWriter(64);
    writer.raw(new Uint8Array(700 * 1024)); // capacity 700 KiB
    const out = writer.raw(new Uint8Array(100 * 1024)).finish(); // grown to 1.4 MiB, 800 KiB used
    expect(out.length).toBe(800 * 1024);
    expect(out.buffer.byteLength).toBe(800 * 1024);
  });
});
