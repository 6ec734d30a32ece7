/**
 * Outside tools for the bench: find them on PATH, run them with a deadline, start servers that
 * are stopped for sure, pick free loopback ports and wait on conditions with bounded deadlines.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The bench runs compiled, from dist/bench/; its tests load it from bench/: bin/ is two or one level up.
const threadPoolModule = ['../../bin/thread_pool.cjs', '../bin/thread_pool.cjs']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)))
  .find((path) => existsSync(path));
if (threadPoolModule === undefined) throw new Error('bench: bin/thread_pool.cjs not found beside the bench');
const { withThreadPoolSize } = createRequire(import.meta.url)(threadPoolModule) as typeof import('../bin/thread_pool.cjs');

export const TOOLS = ['redis-server', 'redis-benchmark', 'wrk', 'etcd'] as const;

/**
 * Every node syncs its disk on libuv's thread pool, sized once when the pool starts, and an ES
 * module entry has started it already: so the bench re-runs itself with UV_THREADPOOL_SIZE set,
 * as the CLI's CommonJS entry sets it. Returns the child's exit code, or null when already set.
 */
export function rerunWithThreadPool(): number | null {
  if (process.env.UV_THREADPOOL_SIZE !== undefined) return null;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: withThreadPoolSize({ ...process.env }),
  });
  return child.status ?? 1;
}
export type ToolName = (typeof TOOLS)[number];

export function findTool(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Which of the reference tools are installed; the bench skips what needs a missing one. */
export function toolInventory(): Record<ToolName, string | null> {
  return Object.fromEntries(TOOLS.map((name) => [name, findTool(name)])) as Record<ToolName, string | null>;
}

/** Runs a tool to its end and returns its stdout; rejects on a non-zero exit or after timeoutMs. */
export function runTool(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}

export interface Server {
  readonly child: ChildProcess;
  /** What the server printed last (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running server; stop() sends SIGTERM, then SIGKILL after a short grace. */
export function startServer(file: string, args: string[]): Server {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (error) => keep(Buffer.from(String(error))));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A loopback port free right now (the OS picks it; another process could still take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls an async condition every intervalMs until it holds; throws after timeoutMs. */
export async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
