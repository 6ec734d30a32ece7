/** A running FNV-1a style fingerprint of everything that happened in a run, for replay checks. */
export class TraceHash {
  private h = 0x811c9dc5;

  mix(value: number): void {
    // Times may be fractional (jitter); a microsecond grid keeps them exact integers.
    let v = Math.round(value * 1000);
    for (let i = 0; i < 2; i++) {
      this.h = Math.imul(this.h ^ (v & 0xffff), 0x01000193) >>> 0;
      this.h = Math.imul(this.h ^ ((v >>> 16) & 0xffff), 0x01000193) >>> 0;
      v = Math.floor(v / 0x1_0000_0000);
    }
  }

  hex(): string {
    return this.h.toString(16).padStart(8, '0');
  }
}
