/**
 * Creates a directory and its missing parents. Not `mkdirSync(path, { recursive: true })`: Node's
 * recursive mkdir loops forever inside one native call when a parent refuses new entries the way
 * /proc does (EEXIST on the parent, ENOENT on the child), and a thread stuck there cannot even be
 * terminated. Here each missing level is created once, and the first error is thrown as it is.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirectory(dir: string): void {
  const target = resolve(dir);
  const found = statSync(target, { throwIfNoEntry: false });
  if (found !== undefined) {
    if (found.isDirectory()) return;
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${target}'`), { code: 'ENOTDIR' });
  }
  const missing: string[] = [];
  for (let path = target; statSync(path, { throwIfNoEntry: false }) === undefined; ) {
    missing.unshift(path);
    const parent = dirname(path);
    if (parent === path) break;
    path = parent;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      // Made by someone else meanwhile: fine if it is a directory now.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || statSync(path, { throwIfNoEntry: false })?.isDirectory() !== true) throw error;
    }
  }
}
