import { fnv1a } from '../lib/hash.js';

/**
 * Checksums of stored rows. They cover the row's position and header as well as its payload,
 * so a row whose index or term was altered, or whose bytes were swapped with another row's, fails
 * as surely as a flipped payload bit. FNV-1a 32 is enough: this guards against disk and editing
 * accidents, not against an adversary.
 */

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

export function entryChecksum(index: number, term: number, kindCode: number, data: Uint8Array): number {
  const header = mixNumber(mixNumber(mixNumber(0x811c9dc5, index), term), kindCode);
  return fnv1a(data, header);
}

export function snapshotChecksum(index: number, term: number, membershipJson: string, data: Uint8Array): number {
  const header = fnv1a(membershipJson, mixNumber(mixNumber(0x811c9dc5, index), term));
  return fnv1a(data, header);
}

export function hardStateChecksum(term: number, vote: number, commit: number): number {
  return mixNumber(mixNumber(mixNumber(0x811c9dc5, term), vote), commit);
}
