#!/usr/bin/env node
// The kv-sim command. It runs the compiled CLI from dist/, which `npm install` builds through the
// `prepare` script (or `npm run build` by hand).
//
// CommonJS on purpose: every node of an emulated cluster syncs its disk on libuv's thread pool,
// whose size (UV_THREADPOOL_SIZE, default 4) is read once, when the pool first starts. Loading an
// ES module entry already starts it, so only a CommonJS entry can size it first: with 5 nodes
// and 4 threads one node's sync waited behind the others'.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { withThreadPoolSize } = require('./thread_pool.cjs');

withThreadPoolSize(process.env);

const entry = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'kv-sim: the compiled CLI is missing (dist/src/cli/main.js); run `npm install` or `npm run build` first\n',
  );
  process.exit(1);
}
import(pathToFileURL(entry).href).then(({ main }) => main());
