// libuv's thread pool size for kv-sim: every node of a cluster syncs its disk on that pool, one
// sync in flight per node, so 5 nodes should not queue behind the default 4 threads. Idle threads
// cost nothing but address space. The pool reads UV_THREADPOOL_SIZE once, when it first starts, so
// each entry point (the CLI, the bench, the test runner) sets it before anything starts the pool.
// CommonJS so that the CLI's CommonJS entry can load it first.
'use strict';

const THREAD_POOL_SIZE = 16;

/** Sets UV_THREADPOOL_SIZE in `env` unless the user chose a size; returns `env`. */
function withThreadPoolSize(env) {
  if (env.UV_THREADPOOL_SIZE === undefined) env.UV_THREADPOOL_SIZE = String(THREAD_POOL_SIZE);
  return env;
}

module.exports = { THREAD_POOL_SIZE, withThreadPoolSize };
