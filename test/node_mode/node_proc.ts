/**
 * Test helpers for real `kv-sim node` processes: spawn one (optionally inside a network
 * namespace), wait on its JSON log lines with bounded deadlines, kill it, and find free ports.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { BIN_PATH, cleanEnv } from '../cli/cli_process.js';
import { ChildProcessDriver, type ProcessExit } from '../support/child_process_driver.js';

export { BIN_PATH, cleanEnv };

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export class NodeProcess extends ChildProcessDriver {
  readonly name: string;
  readonly exited: Promise<ProcessExit> = this.closed;

  /** `prefix` runs the node through another command, e.g. ['ip', 'netns', 'exec', 'ns1']. */
  constructor(name: string, args: string[], options: { prefix?: string[]; env?: Record<string, string> } = {}) {
    super([...(options.prefix ?? []), process.execPath, BIN_PATH, ...args], options.env ?? cleanEnv(), name);
    this.name = name;
    this.child.stdin.end();
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
    return this.waitFor(() => this.logs().find(match), timeoutMs, what);
  }

  waitReady(timeoutMs = 20_000): Promise<LogLine> {
    return this.waitForLog((line) => line.msg === 'ready', timeoutMs, 'the ready line');
  }

  tail(): string {
    return `stdout (last lines):\n${this.stdout.split('\n').slice(-15).join('\n')}\nstderr:\n${this.stderr}`;
  }

  protected override outputSoFar(): string {
    return this.tail();
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

/**
 * Ports are picked below the kernel's ephemeral range: a port there, free when checked, can be
 * taken by any outgoing connection (another test's client, a peer link) before the node binds it.
 */
const PICKED_PORT_LOW = 20_000;
const EPHEMERAL_LOW_FALLBACK = 32_768;

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > PICKED_PORT_LOW ? low : EPHEMERAL_LOW_FALLBACK;
  } catch {
    return EPHEMERAL_LOW_FALLBACK; // not Linux: IANA's dynamic range starts at 49152, this is below it too
  }
}

/** The first port of `count` consecutive free ports on host, none of them in `avoid`. */
export async function freePortBlock(count: number, avoid: Set<number> = new Set(), host = '127.0.0.1'): Promise<number> {
  const span = ephemeralLow() - PICKED_PORT_LOW - count;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = PICKED_PORT_LOW + Math.floor(Math.random() * span);
    let free = true;
    for (let port = base; port < base + count && free; port++) free = !avoid.has(port) && (await canListen(port, host));
    if (free) {
      for (let port = base; port < base + count; port++) avoid.add(port);
      return base;
    }
  }
  throw new Error(`no block of ${count} free ports found on ${host} between ${PICKED_PORT_LOW} and ${ephemeralLow()}`);
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
