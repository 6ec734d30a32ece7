import { defineConfig } from 'vitest/config';

// Test forks inherit this, and their libuv thread pool (where every node's disk syncs run) is
// sized when it starts: 5-node clusters should not queue syncs behind 4 threads (see bin/kv-sim.cjs).
process.env.UV_THREADPOOL_SIZE ??= '16';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Simulator batches and real-worker tests are CPU heavy on a 2-core machine;
    // two forks keep both cores busy without starving worker threads of CPU.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
