import { describe, it, expect } from 'vitest';
import { PassThrough } from 'node:stream';
import { runUp, type UpSettings } from '../../src/cli/up.js';
import { SILENT_LOGGER, type Logger } from '../../src/ports/logger.js';
import { FakeCluster } from './fake_cluster.js';

const SETTINGS: UpSettings = {
  nodes: 3,
  transport: 'channel',
  dataDir: undefined,
  keepData: false,
  timing: 'fast',
  fsync: 'always',
  readLease: true,
  seed: 7,
  logLevel: 'silent',
};

/** Runs `up` over a fake cluster with the given REPL input; returns everything it printed. */
async function runScript(
  lines: string[],
  options: { end?: boolean; logger?: Logger; abort?: AbortController } = {},
): Promise<{ out: string; code: number; cluster: FakeCluster }> {
  const cluster = new FakeCluster(3);
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  input.write(lines.map((line) => `${line}\n`).join(''));
  if (options.end === true) input.end();
  const code = await runUp(SETTINGS, async () => cluster, {
    input,
    output,
    terminal: false,
    logger: options.logger ?? SILENT_LOGGER,
    signal: (options.abort ?? new AbortController()).signal,
  });
  return { out, code, cluster };
}

describe('kv-sim up (over a fake cluster)', () => {
  it('prints every node with its client URLs, then the leader', async () => {
    const { out } = await runScript(['exit']);
    expect(out).toContain('kv-sim: 3 nodes up (transport channel, timing fast, fsync always, seed 7)');
    expect(out).toContain('  node 1  redis://127.0.0.1:7001  http://127.0.0.1:8001');
    expect(out).toContain('  node 3  redis://127.0.0.1:7003  http://127.0.0.1:8003');
    expect(out).toContain('leader: node 1');
  });

  it('runs KV commands and faults in order, with a prompt line after each result', async () => {
    const { out, code, cluster } = await runScript([
      'SET greeting "hello world"',
      'GET greeting',
      'GET missing',
      'crash 2',
      'status',
      'exit',
    ]);
    expect(code).toBe(0);
    const body = out.slice(out.indexOf('kv-sim>'));
    expect(body).toBe(
      [
        'kv-sim>',
        'OK',
        'kv-sim>',
        '"hello world"',
        'kv-sim>',
        '(nil)',
        'kv-sim>',
        'node 2 crashed',
        'kv-sim>',
        'id  role      term  commit  applied  last index  snapshot  leader  state',
        '1   leader    2     1       1        1           0         1       up',
        '2   -         -     -       -        -           -         -       down',
        '3   follower  2     1       1        1           0         1       up',
        'kv-sim>',
        'stopping the cluster...',
        'cluster stopped',
        '',
      ].join('\n'),
    );
    expect(cluster.calls).toEqual(['crash 2']);
    expect(cluster.stopped).toBe(true);
  });

  it('answers bad input with one error line and keeps going', async () => {
    const { out, cluster } = await runScript(['crash 9', 'crash 1', 'crash 1', 'SET k', 'bogus', 'heal', 'exit']);
    expect(out).toContain('(error) unknown node 9 (nodes are 1..3)\n');
    expect(out).toContain('(error) node 1 is already down\n');
    expect(out).toContain('(error) wrong number of arguments, usage: SET key value\n');
    expect(out).toContain("(error) unknown command 'bogus' (type help for the list)\n");
    expect(cluster.calls).toEqual(['crash 1', 'heal']);
  });

  it('passes fault verbs through with the API vocabulary', async () => {
    const { cluster } = await runScript(['partition 1,2 3', 'oneway 1 3', 'link 1 2 delay=50 loss=0.1', 'isolate 3', 'exit']);
    expect(cluster.calls).toEqual([
      'partition [[1,2],[3]]',
      'oneway 1 3',
      'link 1 2 {"delayMs":50,"lossRate":0.1}',
      'isolate 3',
    ]);
  });

  it('stops the cluster when input ends without exit (Ctrl-D, closed pipe)', async () => {
    const { code, cluster } = await runScript(['SET a 1'], { end: true });
    expect(code).toBe(0);
    expect(cluster.stopped).toBe(true);
  });

  it('stops the cluster when interrupted (SIGINT/SIGTERM abort the REPL)', async () => {
    const abort = new AbortController();
    const cluster = new FakeCluster(3);
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const running = runUp(SETTINGS, async () => cluster, {
      input,
      output,
      terminal: false,
      logger: SILENT_LOGGER,
      signal: abort.signal,
    });
    setImmediate(() => abort.abort());
    expect(await running).toBe(0);
    expect(cluster.stopped).toBe(true);
  });

  it('logs each new leader once and each crash', async () => {
    const logged: string[] = [];
    const logger: Logger = { ...SILENT_LOGGER, info: (_fields, message) => logged.push(message) };
    await runScript(['crash 3', 'exit'], { logger });
    expect(logged).toEqual(['node 1 is the leader of term 2', 'node 3 crashed']);
  });

  it('shows a client failure as one error line and keeps going', async () => {
    const { out } = await runScript(['GET slow', 'SET a 1', 'exit']);
    expect(out).toContain('kv-sim>\n(error) GET did not complete within 5000 ms (last failure: no leader)\nkv-sim>\nOK\n');
  });

  it('renders lists and deletes several keys at once', async () => {
    const { out } = await runScript(['SET a 1', 'SET b "two words"', 'MGET a b c', 'DEL a b c', 'exit']);
    expect(out).toContain('kv-sim>\n1) "1"\n2) "two words"\n3) (nil)\nkv-sim>\n(integer) 2\n');
  });
});
