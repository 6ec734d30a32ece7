import { describe, it, expect } from 'vitest';
import * as zlib from 'node:zlib';
import { crc32Table, entryChecksum, extendChecksum, snapshotChecksum, snapshotHeaderChecksum } from '../../src/storage/checksum.js';
import { Prng } from '../../src/lib/prng.js';

const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

function randomBytes(random: Prng, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = random.int(0, 255);
  return bytes;
}

describe('storage checksums', () => {
  it('computes the standard CRC-32 check value in JavaScript (the fallback for Node before 20.15)', () => {
    expect(crc32Table(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it.skipIf(zlibCrc32 === undefined)('computes CRC-32 in JavaScript exactly as zlib does (skipped where Node has no zlib.crc32)', () => {
    const crc32 = zlibCrc32 as (data: Uint8Array, value?: number) => number;
    const seed = 20261121;
    const random = new Prng(seed);
    for (let round = 0; round < 200; round++) {
      const data = randomBytes(random, random.int(0, 600));
      const value = random.int(0, 0xffff_ffff);
      expect(crc32Table(data, value), `seed ${seed}, round ${round}`).toBe(crc32(data, value));
    }
  });

  it('leaves the seed unchanged over no bytes, however the empty array was made', () => {
    for (const empty of [new Uint8Array(0), new TextEncoder().encode(''), new Uint8Array(8).subarray(4, 4)]) {
      expect(extendChecksum('crc32', 12345, empty)).toBe(12345);
      expect(extendChecksum('fnv1a32', 12345, empty)).toBe(12345);
    }
  });

  it('extends over chunks to the checksum of the whole, for both algorithms (snapshots are written in chunks)', () => {
    const data = randomBytes(new Prng(7), 1000);
    for (const algorithm of ['fnv1a32', 'crc32'] as const) {
      const whole = snapshotChecksum(algorithm, 9, 2, '{"voters":[1]}', data);
      let chunked = snapshotHeaderChecksum(9, 2, '{"voters":[1]}');
      for (let at = 0; at < data.length; at += 256) chunked = extendChecksum(algorithm, chunked, data.subarray(at, at + 256));
      expect(chunked).toBe(whole);
    }
  });

  it('covers the header: another index, term or kind gives another checksum', () => {
    const data = new TextEncoder().encode('payload');
    for (const algorithm of ['fnv1a32', 'crc32'] as const) {
      const base = entryChecksum(algorithm, 5, 2, 0, data);
      expect(entryChecksum(algorithm, 6, 2, 0, data)).not.toBe(base);
      expect(entryChecksum(algorithm, 5, 3, 0, data)).not.toBe(base);
      expect(entryChecksum(algorithm, 5, 2, 1, data)).not.toBe(base);
    }
    expect(entryChecksum('crc32', 5, 2, 0, data)).not.toBe(entryChecksum('fnv1a32', 5, 2, 0, data));
  });
});
