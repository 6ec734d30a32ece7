/**
 * The single-node, no-consensus ceiling: redis-server with `appendonly yes` and
 * `appendfsync always` on a free loopback port, its files in a temp dir removed on stop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer, waitUntil } from './proc.js';

export interface RunningReference {
  host: string;
  port: number;
  /** The server's process id (for its CPU time). */
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startRedisReference(redisServer: string): Promise<RunningReference> {
  return startPingedServer('redis-server', 'kv-sim-bench-redis-', (port, dir) => [
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--loglevel', 'warning'],
  ]);
}

/**
 * Starts a server on a free loopback port with its files in a new temp dir (removed on stop), and
 * waits until it answers PING; `command` gives the executable and its arguments for both.
 */
export async function startPingedServer(name: string, dirPrefix: string, command: (port: number, dir: string) => [string, string[]]): Promise<RunningReference> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const port = await freePort();
  const server = startServer(...command(port, dir));
  const stop = async (): Promise<void> => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(`${name} to answer PING`, () => ping('127.0.0.1', port), START_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}; ${name} said: ${server.output()}`);
  }
  return { host: '127.0.0.1', port, pid: server.child.pid ?? 0, stop };
}

/** True when the server at host:port answers PING with +PONG. */
export function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
