/**
 * The linearizability checker on a 100,000-operation history: 10 clients, 1,000 keys, reads,
 * writes, cas, appends and deletes, 1% unknown and 1% failed outcomes. Reports operations checked
 * per second in this thread and on piscina pools of 1 and 2 threads (pool start-up excluded: a
 * chaos run keeps one pool). Pools load dist/, so run after `npm run build`:
 *
 *   node dist/bench/check_bench.js [--operations N] [--keys N] [--repeats N]
 */
import { pathToFileURL } from 'node:url';
import { checkLinearizability } from '../src/check/linearizability.js';
import { CheckPool } from '../src/check/parallel.js';
import { randomHistory } from '../src/check/random_history.js';
import { median } from './stats.js';

export interface CheckBenchOptions {
  operations: number;
  keys: number;
  clients: number;
  repeats: number;
  poolSizes: number[];
}

export interface CheckBenchCase {
  /** 'in-thread' or 'pool of N'. */
  runner: string;
  operations: number;
  keys: number;
  medianMs: number;
  operationsPerSecond: number;
  verdict: string;
}

const DEFAULTS: CheckBenchOptions = { operations: 100_000, keys: 1_000, clients: 10, repeats: 3, poolSizes: [1, 2] };

export async function runCheckBench(overrides: Partial<CheckBenchOptions> = {}): Promise<CheckBenchCase[]> {
  const options = { ...DEFAULTS, ...overrides };
  const history = randomHistory({ seed: 1, operations: options.operations, keys: options.keys, clients: options.clients, unknownRate: 0.01, failRate: 0.01 });
  const cases: CheckBenchCase[] = [];
  const record = (runner: string, timesMs: number[], verdict: string): void => {
    const medianMs = median(timesMs);
    cases.push({ runner, operations: options.operations, keys: options.keys, medianMs, operationsPerSecond: Math.round((options.operations * 1000) / medianMs), verdict });
  };
  let verdict = '';
  const inThreadMs: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    const result = checkLinearizability(history, { budgetMs: 120_000 });
    inThreadMs.push(result.elapsedMs);
    verdict = result.verdict;
  }
  record('in-thread', inThreadMs, verdict);
  for (const poolSize of options.poolSizes) {
    const pool = new CheckPool({ poolSize });
    try {
      await pool.check(history, { inThreadBelowOperations: 0, budgetMs: 120_000 }); // warm-up: threads started, code compiled
      const times: number[] = [];
      for (let i = 0; i < options.repeats; i++) {
        const result = await pool.check(history, { inThreadBelowOperations: 0, budgetMs: 120_000 });
        times.push(result.elapsedMs);
        verdict = result.verdict;
      }
      record(`pool of ${poolSize}`, times, verdict);
    } finally {
      await pool.close();
    }
  }
  return cases;
}

function numberFlag(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const overrides: Partial<CheckBenchOptions> = {};
  const operations = numberFlag(args, '--operations');
  const keys = numberFlag(args, '--keys');
  const repeats = numberFlag(args, '--repeats');
  if (operations !== undefined) overrides.operations = operations;
  if (keys !== undefined) overrides.keys = keys;
  if (repeats !== undefined) overrides.repeats = repeats;
  const cases = await runCheckBench(overrides);
  console.log(`checker bench: ${cases[0]?.operations} operations, ${cases[0]?.keys} keys, 10 clients; median of ${overrides.repeats ?? DEFAULTS.repeats}`);
  console.log('runner          median ms      ops/s   verdict');
  for (const c of cases) {
    console.log(`${c.runner.padEnd(14)} ${c.medianMs.toFixed(0).padStart(10)} ${String(c.operationsPerSecond).padStart(10)}   ${c.verdict}`);
  }
}
