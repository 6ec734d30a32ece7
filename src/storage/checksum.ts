import * as zlib from 'node:zlib';
import { fnv1a } from '../lib/hash.js';

/**
 * Checksums of stored rows. They cover the row's position and header as well as its payload,
 * so a row whose index or term was altered, or whose bytes were swapped with another row's, fails
 * as surely as a flipped payload bit. They guard against disk and editing accidents, not against
 * an adversary.
 *
 * The payload's algorithm is recorded per database file (see sqlite_schema.ts): CRC-32 for files
 * made now, FNV-1a 32 for files made before it (schema version 2 and older), which keep it for
 * life. CRC-32 runs in zlib's C code at about 0.4 ns a byte against FNV-1a's 2 ns in JavaScript,
 * and every entry is checksummed on the leader and on each follower as it is saved, so for large
 * entries this was the bigger part of a save. The header is always mixed with FNV-1a: it is a few
 * bytes, and its result seeds the payload's checksum.
 */
export type ChecksumAlgorithm = 'fnv1a32' | 'crc32';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['fnv1a32', 'crc32'];

/** zlib.crc32 arrived in Node 20.15 and 22.2; older runtimes use crc32Table below (same results). */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as zlib's), `value` being the CRC of the bytes before `data`. */
export function crc32Table(data: Uint8Array, value = 0): number {
  const table = (crcTable ??= makeCrcTable());
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const crc32 = nativeCrc32 ?? crc32Table;

/** Extends a checksum `seed` over `data`: extend(extend(s, a), b) equals extend(s, a + b). */
export function extendChecksum(algorithm: ChecksumAlgorithm, seed: number, data: Uint8Array): number {
  if (algorithm === 'fnv1a32') return fnv1a(data, seed);
  // zlib answers 0 for an empty array without a buffer behind it (a null pointer means "start").
  return data.length === 0 ? seed >>> 0 : crc32(data, seed) >>> 0;
}

function mixNumber(hash: number, value: number): number {
  // Integers up to 2^53: low word then high word, a byte at a time (FNV-1a over 8 bytes).
  let h = hash;
  let low = value >>> 0;
  let high = Math.floor(value / 0x1_0000_0000) >>> 0;
  for (let i = 0; i < 4; i++) {
    h = Math.imul(h ^ (low & 0xff), 0x01000193) >>> 0;
    low >>>= 8;
  }
  for (let i = 0; i < 4; i++) {
    h = Math.imul(h ^ (high & 0xff), 0x01000193) >>> 0;
    high >>>= 8;
  }
  return h;
}

export function entryChecksum(algorithm: ChecksumAlgorithm, index: number, term: number, kindCode: number, data: Uint8Array): number {
  const header = mixNumber(mixNumber(mixNumber(0x811c9dc5, index), term), kindCode);
  return extendChecksum(algorithm, header, data);
}

/** The checksum of a snapshot's header: extendChecksum over its data gives the snapshot's. */
export function snapshotHeaderChecksum(index: number, term: number, membershipJson: string): number {
  return fnv1a(membershipJson, mixNumber(mixNumber(0x811c9dc5, index), term));
}

export function snapshotChecksum(algorithm: ChecksumAlgorithm, index: number, term: number, membershipJson: string, data: Uint8Array): number {
  return extendChecksum(algorithm, snapshotHeaderChecksum(index, term, membershipJson), data);
}

export function hardStateChecksum(term: number, vote: number, commit: number): number {
  return mixNumber(mixNumber(mixNumber(0x811c9dc5, term), vote), commit);
}
