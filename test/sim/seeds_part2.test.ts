import { describe, it } from 'vitest';
import { checkSeedRange } from './seed_batch.js';

describe('random-fault simulation, part 2', () => {
  it('seeds 161..320 keep every safety and liveness property', () => checkSeedRange(161, 160), 600_000);
});
