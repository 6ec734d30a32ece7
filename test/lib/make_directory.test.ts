import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDirectory } from '../../src/lib/make_directory.js';

describe('makeDirectory', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'make-directory-'));
    dirs.push(dir);
    return dir;
  }

  it('creates missing parents, and accepts a directory that is already there', () => {
    const dir = join(tempDir(), 'a', 'b', 'c');
    makeDirectory(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    makeDirectory(dir);
    makeDirectory(join(dir, '..'));
  });

  it('throws when a file stands where a directory should be', () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    expect(() => makeDirectory(join(file, 'sub'))).toThrow(/ENOTDIR/);
    expect(() => makeDirectory(file)).toThrow(/ENOTDIR/);
  });

  // Node's recursive mkdir never returns here (EEXIST on /proc, ENOENT under it).
  it.skipIf(!existsSync('/proc/self'))('fails at once under /proc instead of looping forever', () => {
    expect(() => makeDirectory('/proc/kv-sim-no-such-dir/node-1')).toThrow(/ENOENT|EACCES|EPERM/);
  });
});
