#!/usr/bin/env node
// The kv-sim command. It runs the compiled CLI from dist/, which `npm install` builds through the
// `prepare` script (or `npm run build` by hand).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write(
    'kv-sim: the compiled CLI is missing (dist/src/cli/main.js); run `npm install` or `npm run build` first\n',
  );
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
await main();
