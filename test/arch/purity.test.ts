/**
 * The deterministic layers (core, kv, node, sim) must never reach for wall-clock time, ambient
 * randomness, timers, the process, the console or Node built-ins: that is what lets a failing
 * simulation replay exactly from its seed. Time comes in as ticks (virtual time in the
 * simulator) and randomness from an injected, seeded Prng.
 */
import { describe, it, expect } from 'vitest';
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pureDirs = ['src/core', 'src/kv', 'src/node', 'src/sim'];

const forbiddenCode: Array<[name: string, pattern: RegExp]> = [
  ['Date', /\bDate\b/],
  ['Math.random', /\bMath\s*\.\s*random\b/],
  ['setTimeout', /\bsetTimeout\b/],
  ['setInterval', /\bsetInterval\b/],
  ['setImmediate', /\bsetImmediate\b/],
  ['process', /\bprocess\b/],
  ['console', /\bconsole\b/],
  ['performance', /\bperformance\b/],
];

const builtins = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/** Splits source into code without comments and string contents, plus the module specifiers. */
function scanSource(source: string): { code: string; specifiers: string[] } {
  let code = '';
  const specifiers: string[] = [];
  const templateDepth: number[] = [];
  let i = 0;
  const readString = (quote: string): string => {
    let value = '';
    i++;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\') i++;
      value += source[i] ?? '';
      i++;
    }
    i++;
    return value;
  };
  while (i < source.length) {
    const ch = source[i] as string;
    const next = source[i + 1];
    if (ch === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (ch === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (ch === "'" || ch === '"') {
      const value = readString(ch);
      if (/(\bfrom|\bimport\s*\(?|\brequire\s*\()\s*$/.test(code)) specifiers.push(value);
      code += '""';
    } else if (ch === '`' || (ch === '}' && templateDepth.at(-1) === 0)) {
      // Template literal text is skipped; the code inside ${...} is kept and scanned.
      if (ch === '}') templateDepth.pop();
      i++;
      while (i < source.length && source[i] !== '`' && !(source[i] === '$' && source[i + 1] === '{')) {
        if (source[i] === '\\') i++;
        i++;
      }
      if (source[i] === '$') {
        templateDepth.push(0);
        i += 2;
        code += '`${';
      } else {
        i++;
        code += '``';
      }
    } else {
      if (ch === '{' && templateDepth.length > 0) templateDepth[templateDepth.length - 1]! += 1;
      if (ch === '}' && templateDepth.length > 0) templateDepth[templateDepth.length - 1]! -= 1;
      code += ch;
      i++;
    }
  }
  return { code, specifiers };
}

function violationsIn(source: string): string[] {
  const { code, specifiers } = scanSource(source);
  const found = forbiddenCode.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
  for (const specifier of specifiers) {
    if (specifier.startsWith('node:') || builtins.has(specifier.split('/')[0] ?? '')) {
      found.push(`import of built-in '${specifier}'`);
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mts|mjs)$/.test(name) ? [path] : [];
  });
}

describe('purity of the deterministic layers', () => {
  it('finds forbidden uses in sample code (the scanner itself works)', () => {
    expect(violationsIn('const t = Date.now();')).toEqual(['Date']);
    expect(violationsIn('x = Math.random()')).toEqual(['Math.random']);
    expect(violationsIn("import { readFileSync } from 'node:fs';")).toEqual(["import of built-in 'node:fs'"]);
    expect(violationsIn("import net from 'net';")).toEqual(["import of built-in 'net'"]);
    expect(violationsIn("const m = await import('worker_threads');")).toEqual(["import of built-in 'worker_threads'"]);
    expect(violationsIn('setTimeout(f, 1); console.log(process.pid)')).toEqual(['setTimeout', 'process', 'console']);
    expect(violationsIn('const s = `at ${process.hrtime()}`;')).toEqual(['process']);
  });

  it('ignores words in comments and strings', () => {
    const sample = [
      '// uses Date and Math.random in a comment',
      '/* setTimeout, process, console */',
      "const message = 'the process is gone; console Date';",
      'const text = `no timers here: setInterval ${1 + 2} ok`;',
      "import { Prng } from '../lib/prng.js';",
    ].join('\n');
    expect(violationsIn(sample)).toEqual([]);
  });

  it('src/core, src/kv, src/node and src/sim use no clock, ambient randomness, timers, process, console or built-ins', () => {
    const files = pureDirs.flatMap((dir) => sourceFiles(join(root, dir)));
    expect(files.length).toBeGreaterThan(0);
    const problems = files
      .map((file) => ({ file: relative(root, file), found: violationsIn(readFileSync(file, 'utf8')) }))
      .filter((result) => result.found.length > 0)
      .map((result) => `${result.file}: ${result.found.join(', ')}`);
    expect(problems).toEqual([]);
  });

  it('src/lib, which the pure layers import, touches no built-in except in make_directory.ts, which they do not import', () => {
    const lib = sourceFiles(join(root, 'src/lib')).filter((file) => !file.endsWith('make_directory.ts'));
    const builtinUse = lib
      .map((file) => ({ file: relative(root, file), found: violationsIn(readFileSync(file, 'utf8')).filter((v) => v.startsWith('import of built-in')) }))
      .filter((result) => result.found.length > 0)
      .map((result) => `${result.file}: ${result.found.join(', ')}`);
    expect(builtinUse).toEqual([]);
    const importers = pureDirs
      .flatMap((dir) => sourceFiles(join(root, dir)))
      .filter((file) => scanSource(readFileSync(file, 'utf8')).specifiers.some((specifier) => specifier.includes('make_directory')))
      .map((file) => relative(root, file));
    expect(importers).toEqual([]);
  });
});
