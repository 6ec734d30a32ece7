/**
 * Owned copies of the values writes store. A small typed array of its own costs an off-heap
 * allocation (a backing store the garbage collector tracks), several times the price of copying
 * 100 bytes; so small values are carved from shared slabs, as Node's Buffer pool does. The cost is
 * retention: a slab lives while any value in it does, at most SLAB_BYTES for one small value.
 * Stored values are never written to, so sharing a slab is safe.
 */
const SLAB_BYTES = 8 * 1024;
/** Larger values get their own copy: at most 1/8 of a slab is left unused when a new one starts. */
const SLAB_VALUE_MAX_BYTES = 1024;

let slab = new Uint8Array(SLAB_BYTES);
let slabUsedBytes = 0;

export function copyValue(bytes: Uint8Array): Uint8Array {
  const length = bytes.length;
  if (length > SLAB_VALUE_MAX_BYTES) return bytes.slice();
  if (slabUsedBytes + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsedBytes = 0;
  }
  const copy = slab.subarray(slabUsedBytes, slabUsedBytes + length);
  copy.set(bytes);
  slabUsedBytes += length;
  return copy;
}
