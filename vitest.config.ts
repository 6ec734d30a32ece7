import { defineConfig } from 'vitest/config';
import { withThreadPoolSize } from './bin/thread_pool.cjs';

// Test forks inherit this and size their libuv thread pool with it (see bin/thread_pool.cjs).
withThreadPoolSize(process.env);

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
