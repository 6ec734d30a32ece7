import { describe, it } from 'vitest';
import { checkSeedRange } from './seed_batch.js';

describe('random-fault simulation, part 2: a disk slower than the network', () => {
  // Syncs of up to 20 ms (network: 1 ms) keep many writes unsynced at every crash and leader change.
  it('seeds 161..320 keep every safety and liveness property', () => checkSeedRange(161, 160, { syncDelayMaxMs: 20 }), 600_000);
});
