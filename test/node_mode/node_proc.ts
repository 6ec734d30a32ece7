/**
 * Test helpers for real `kv-sim node` processes: spawn one (optionally inside a network
 * namespace), wait on its JSON log lines with bounded deadlines, kill it, and find free ports.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as net from 'node:net';
import { BIN_PATH, cleanEnv } from '../cli/cli_process.js';

export { BIN_PATH, cleanEnv };

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export class NodeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly name: string;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private closed = false;
  private waiters: Array<() => void> = [];

  /** `prefix` runs the node through another command, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  constructor(name: string, args: string[], options: { prefix?: string[]; env?: Record<string, string> } = {}) {
    this.name = name;
    const command = options.prefix === undefined ? [process.execPath, BIN_PATH, ...args] : [...options.prefix, process.execPath, BIN_PATH, ...args];
    this.child = spawn(command[0] as string, command.slice(1), { env: options.env ?? cleanEnv(), stdio: 'pipe' });
    this.child.stdin.end();
    this.child.stdout.on('data', (chunk: Buffer) => this.append('stdout', chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.append('stderr', chunk));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.closed = true;
        this.wake();
        resolve({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return !this.closed;
  }

  logs(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return [];
        }
      });
  }

  /** Resolves with the first log line that matches; rejects at the deadline or when the process ends. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.tail()}`)), timeoutMs);
      const attempt = (): void => {
        const found = this.logs().find(match);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (this.closed) {
          clearTimeout(timer);
          reject(new Error(`${this.name}: exited before ${what}\n${this.tail()}`));
        } else {
          this.waiters.push(attempt);
        }
      };
      attempt();
    });
  }

  waitReady(timeoutMs = 20_000): Promise<LogLine> {
    return this.waitForLog((line) => line.msg === 'ready', timeoutMs, 'the ready line');
  }

  /** SIGKILL (the default) or SIGTERM; resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.closed) this.child.kill(signal);
    return this.exited;
  }

  tail(): string {
    return `stdout (last lines):\n${this.stdout.split('\n').slice(-15).join('\n')}\nstderr:\n${this.stderr}`;
  }

  private append(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this[stream] += chunk.toString('utf8');
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Runs the CLI to completion (for cluster-config, ctl and config errors). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): { code: number | null; out: string; err: string } {
  const result = spawnSync(process.execPath, [BIN_PATH, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

export interface CommandOutput {
  code: number | null;
  out: string;
  err: string;
}

/** Async version, so a test can run it while its own event loop keeps serving. */
export function runCliAsync(args: string[], timeoutMs = 20_000): Promise<CommandOutput> {
  return runCommand([process.execPath, BIN_PATH, ...args], timeoutMs);
}

/** Runs `command` with a clean environment; resolves with its output (never rejects), killed at the deadline. */
export function runCommand(command: string[], timeoutMs = 20_000): Promise<CommandOutput> {
  return new Promise((resolve) => {
    const child = spawn(command[0] as string, command.slice(1), { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The first port of `count` consecutive free ports on host, none of them in `avoid`. */
export async function freePortBlock(count: number, avoid: Set<number> = new Set(), host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await anyFreePort(host);
    if (base + count > 65_535) continue;
    let free = true;
    for (let port = base; port < base + count && free; port++) free = !avoid.has(port) && (await canListen(port, host));
    if (free) {
      for (let port = base; port < base + count; port++) avoid.add(port);
      return base;
    }
  }
  throw new Error(`no block of ${count} free ports found on ${host}`);
}

/** Polls `check` until it returns a value (not null), at most every intervalMs, up to timeoutMs. */
export async function eventually<T>(check: () => Promise<T | null>, timeoutMs: number, what: string, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === null ? '' : `: ${String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
