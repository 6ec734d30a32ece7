/** FNV-1a 32-bit over bytes or a string: cheap fingerprints for traces and checksums of entries. */
export function fnv1a(input: Uint8Array | string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  if (typeof input === 'string') {
    for (let i = 0; i < input.length; i++) {
      h ^= input.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  } else {
    for (let i = 0; i < input.length; i++) {
      h ^= input[i] as number;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h >>> 0;
}
