/**
 * `npm run bench` (quick profile) and `npm run bench -- --full`. Runs every benchmark in one
 * process run, so the ratios between rows hold on a noisy machine; each figure is the median of
 * several runs. Writes bench/results/<date>.json and prints a markdown table for the README.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCore } from './core_bench.js';
import { formatRate, median } from './stats.js';

interface Row {
  layer: string;
  case: string;
  value: number;
  unit: string;
}

const full = process.argv.includes('--full');
const repeats = full ? 5 : 3;
const durationMs = full ? 2000 : 500;

function measure(run: () => number): number {
  return median(Array.from({ length: repeats }, run));
}

const rows: Row[] = [];
for (const batchSize of [1, 16, 256]) {
  const value = measure(() => benchCore(batchSize, durationMs).entriesPerSecond);
  rows.push({ layer: 'core', case: `3 nodes in memory, ${batchSize} entries per proposal`, value, unit: 'entries/s' });
}

const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, '..', '..', 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = join(resultsDir, `${stamp}.json`);
writeFileSync(file, JSON.stringify({ machine, profile: full ? 'full' : 'quick', repeats, rows }, null, 2) + '\n');

console.log(`Machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}; median of ${repeats} runs\n`);
console.log('| layer | case | median |');
console.log('| --- | --- | --- |');
for (const row of rows) console.log(`| ${row.layer} | ${row.case} | ${formatRate(row.value)} ${row.unit.replace(/\/s$/, '')} |`);
console.log(`\nWritten to ${file}`);
