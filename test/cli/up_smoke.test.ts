/**
 * `kv-sim up` end to end, as a child process over the compiled CLI (dist/, built by
 * `npm install` or `npm test`): endpoints printed, KV through the REPL, a crash visible in
 * `status`, and a clean exit that leaves no port bound and no data dir behind.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { CliProcess } from './cli_process.js';

const START_TIMEOUT_MS = 30_000;
const COMMAND_TIMEOUT_MS = 15_000;
const EXIT_TIMEOUT_MS = 15_000;

const running: CliProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.kill()));
});

function startUp(args: string[]): CliProcess {
  const cli = new CliProcess(['up', ...args]);
  running.push(cli);
  return cli;
}

/** Every redis:// and http:// endpoint printed at start, as host and port. */
async function waitForEndpoints(cli: CliProcess, nodes: number): Promise<Array<{ host: string; port: number }>> {
  await cli.waitForOutput(new RegExp(`^  node ${nodes}  redis://`, 'm'), START_TIMEOUT_MS);
  const lines = cli.replLines().filter((line) => /^ {2}node \d+ {2}redis:\/\//.test(line));
  expect(lines).toHaveLength(nodes);
  return lines.flatMap((line) =>
    [...line.matchAll(/(?:redis|http):\/\/([\d.]+):(\d+)/g)].map((m) => ({ host: m[1] as string, port: Number(m[2]) })),
  );
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function withinDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('kv-sim up --nodes 3 (child process)', () => {
  it('runs SET then GET, shows a crashed node as down, answers bad input in one line, exits cleanly', async () => {
    const cli = startUp(['--nodes', '3', '--log-level', 'warn']);
    const endpoints = await waitForEndpoints(cli, 3);
    await cli.waitForOutput(/^kv-sim>$/m, START_TIMEOUT_MS);
    const dataDir = cli.replLines().join('\n').match(/^data: (\S+)/m)?.[1];

    expect(await cli.command('SET greeting "hello world"', COMMAND_TIMEOUT_MS)).toEqual(['OK']);
    expect(await cli.command('GET greeting', COMMAND_TIMEOUT_MS)).toEqual(['"hello world"']);
    expect(await cli.command('DEL greeting', COMMAND_TIMEOUT_MS)).toEqual(['(integer) 1']);
    expect(await cli.command('GET --key greeting', COMMAND_TIMEOUT_MS)).toEqual(['(nil)']);

    expect(await cli.command('crash 1', COMMAND_TIMEOUT_MS)).toEqual(['node 1 crashed']);
    const table = await cli.command('status', COMMAND_TIMEOUT_MS);
    expect(table[0]).toMatch(/^id\s+role\s+term\s+commit\s+applied\s+last index\s+snapshot\s+leader\s+state$/);
    expect(table.find((row) => row.startsWith('1 '))).toMatch(/\sdown$/);
    expect(table.filter((row) => /\sup$/.test(row))).toHaveLength(2);

    for (const bad of ['crash 7', 'crash 1', 'partition 1,2 2', 'frobnicate']) {
      const reply = await cli.command(bad, COMMAND_TIMEOUT_MS);
      expect(reply, bad).toHaveLength(1);
      expect(reply[0], bad).toMatch(/^\(error\) /);
    }

    cli.child.stdin.write('exit\n');
    expect(await withinDeadline(cli.exited, EXIT_TIMEOUT_MS, 'kv-sim to exit')).toBe(0);
    expect(cli.replLines()).toContain('cluster stopped');
    for (const { host, port } of endpoints.filter((e) => e.port !== 0)) {
      expect(await canBind(host, port), `port ${port} is still bound`).toBe(true);
    }
    expect(dataDir, 'the data dir line').toBeDefined();
    expect(existsSync(dataDir as string), `${dataDir} was left behind`).toBe(false);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });

  // SIGINT: Ctrl-C when stdin is a pipe; SIGHUP: the terminal closed.
  it.each(['SIGINT', 'SIGHUP'] as const)('stops the cluster and exits 0 on %s', async (signal) => {
    const cli = startUp(['--nodes', '3', '--log-level', 'warn']);
    const endpoints = await waitForEndpoints(cli, 3);
    await cli.waitForOutput(/^kv-sim>$/m, START_TIMEOUT_MS);
    cli.child.kill(signal);
    expect(await withinDeadline(cli.exited, EXIT_TIMEOUT_MS, 'kv-sim to exit')).toBe(0);
    expect(cli.replLines()).toContain('cluster stopped');
    for (const { host, port } of endpoints.filter((e) => e.port !== 0)) {
      expect(await canBind(host, port), `port ${port} is still bound`).toBe(true);
    }
  });

  it("logs on stdout, its own lines (the leader's election) as the nodes' ones, and nothing on stderr", async () => {
    const cli = startUp(['--nodes', '1', '--log-level', 'info']);
    await cli.waitForOutput(/^leader: node 1$/m, START_TIMEOUT_MS);
    cli.child.stdin.write('exit\n');
    expect(await withinDeadline(cli.exited, EXIT_TIMEOUT_MS, 'kv-sim to exit')).toBe(0);
    expect(cli.stdout).toMatch(/^\{.*"msg":"node 1 is the leader of term \d+"/m);
    expect(cli.stdout).toMatch(/^\{.*"node":1,/m);
    expect(cli.stderr).toBe('');
  });

  // `kv-sim up | head -1`: the reader goes, the next write fails with EPIPE.
  it('stops the cluster and removes its temporary data dir when stdout is closed, without a stack trace', async () => {
    const cli = startUp(['--nodes', '3', '--log-level', 'silent']);
    const dataDir = (await cli.waitForOutput(/^data: (\S+)/m, START_TIMEOUT_MS))[1] as string;
    cli.child.stdout.destroy();
    expect(await withinDeadline(cli.exited, EXIT_TIMEOUT_MS, 'kv-sim to exit')).toBe(0);
    expect(existsSync(dataDir), `${dataDir} was left behind`).toBe(false);
    expect(cli.stderr).toBe('');
  });
});
