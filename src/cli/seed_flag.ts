/**
 * One rule for every command's --seed: an integer from 0 to 2^32 - 1. The seeded PRNG keeps 32
 * bits, so a larger or negative seed would only repeat one of these, and `kv-sim node` takes this
 * range too; up, sim and chaos answer the same mistake with the same words.
 */
const SEED_MAX = 0xffff_ffff;

/** Throws a one-line error naming `flag` unless `value` is a seed; `typed` is what the user gave. */
export function checkSeed(flag: string, value: number, typed: string = String(value)): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > SEED_MAX) {
    throw new Error(`${flag} must be an integer from 0 to ${SEED_MAX}, got ${typed}`);
  }
}

/** The seed a text flag gives (chaos reads its flags as text), or a one-line error. */
export function parseSeed(flag: string, text: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  checkSeed(flag, value, `'${text}'`);
  return value;
}
