/**
 * Copies small payloads into shared slabs instead of allocating a buffer per payload: a
 * typed-array backing store per entry dominated the cost of MemoryStorage.save (profiled:
 * about a fifth of the time at 128-byte entries). A stored copy is a view into a slab, so the
 * slab lives while any entry in it does; never hand these views out (a structured clone of a
 * view copies its whole slab) — copy them with slice() on the way out.
 */
const SLAB_BYTES = 64 * 1024;
/** Larger payloads get a buffer of their own: they would waste most of a slab. */
const SLAB_PAYLOAD_MAX_BYTES = 4 * 1024;

export class ByteSlab {
  private slab = new Uint8Array(SLAB_BYTES);
  private used = 0;

  copy(bytes: Uint8Array): Uint8Array {
    const length = bytes.length;
    if (length > SLAB_PAYLOAD_MAX_BYTES) return bytes.slice();
    if (this.used + length > SLAB_BYTES) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    const start = this.used;
    this.slab.set(bytes, start);
    this.used = start + length;
    return this.slab.subarray(start, start + length);
  }
}
