import { describe, it } from 'vitest';
import { checkSeedRange } from './seed_batch.js';

describe('random-fault simulation, part 1', () => {
  it('seeds 1..160 keep every safety and liveness property', () => checkSeedRange(1, 160), 600_000);
});
