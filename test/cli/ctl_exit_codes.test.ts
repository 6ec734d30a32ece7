/**
 * `kv-sim ctl` against stand-in control planes, some of them down: every answering node's line is
 * still printed, and the exit code tells a script whether every node answered.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CTL_EXIT, runCtl } from '../../src/cli/ctl_command.js';
import { runCliAsync } from '../node_mode/node_proc.js';

/** Answers status as node `id` of 1..3 (refusing the peers given), and accepts every other verb. */
function fakeControlPlane(id: number, refusedPeers: Array<{ peer: number; reason: string }> = []): http.Server {
  return http.createServer((request, response) => {
    const answer =
      request.url === '/control/status'
        ? {
            id,
            members: [1, 2, 3],
            endpoints: {},
            status: { id, role: id === 1 ? 'leader' : 'follower', term: 2, leader: 1, commitIndex: 5, appliedIndex: 5, lastIndex: 5, firstIndex: 1, snapshotIndex: 0, paused: false, recoveryMs: 3, refusedPeers },
            linkRules: { cuts: [], links: [] },
          }
        : { ok: true, linkRules: { cuts: [], links: [] } };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const servers: http.Server[] = [];
/** Nodes 1, 2 and 3: the whole cluster. */
let up: string[];
/** Node 3 again, refusing to link with node 1. */
let refusing: string;
/** A port nothing listens on any more: connecting is refused. */
let down: string;

beforeAll(async () => {
  servers.push(fakeControlPlane(1), fakeControlPlane(2), fakeControlPlane(3), fakeControlPlane(3, [{ peer: 1, reason: 'it runs another timing' }]));
  const addresses = await Promise.all(servers.map(async (server) => `127.0.0.1:${await listen(server)}`));
  up = addresses.slice(0, 3);
  refusing = addresses[3] as string;
  const closed = http.createServer();
  down = `127.0.0.1:${await listen(closed)}`;
  await close(closed);
});

afterAll(() => Promise.all(servers.map(close)));

async function ctl(endpoints: string[], ...words: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await runCtl({ words, endpoints, token: null, timeoutMs: 2_000, write: (chunk) => (text += chunk) });
  return { code, text };
}

describe('kv-sim ctl exit codes', () => {
  it('status and logsize: every node answered is 0; some did not is 3, with a line for each', async () => {
    expect((await ctl(up, 'status')).code).toBe(CTL_EXIT.done);
    for (const verb of ['status', 'logsize']) {
      const partial = await ctl([...up, down], verb);
      expect(partial.code).toBe(CTL_EXIT.someUnanswered);
      expect(partial.text).toMatch(/^1 +\S/m);
      expect(partial.text).toMatch(/^2 +\S/m);
      expect(partial.text).toContain(`${down}: unreachable (ECONNREFUSED)`);
    }
  });

  it('status: a member left out of --endpoints is 3, named from the membership the others report', async () => {
    const result = await ctl(up.slice(0, 2), 'status');
    expect(result.code).toBe(CTL_EXIT.someUnanswered);
    expect(result.text).toContain('node 3: a member that gave no status (its control endpoint is not in --endpoints, or did not answer)');
  });

  it('status: a node refusing to link with a peer is 3, with its reason', async () => {
    const result = await ctl([...up.slice(0, 2), refusing], 'status');
    expect(result.code).toBe(CTL_EXIT.someUnanswered);
    expect(result.text).toContain('node 3 refuses to link with node 1: it runs another timing');
  });

  it('status with no node answering is 1', async () => {
    const none = await ctl([down], 'status');
    expect(none.code).toBe(CTL_EXIT.failed);
    expect(none.text).toContain(`(error) no control endpoint gave its status: ${down} (unreachable (ECONNREFUSED))`);
  });

  it('a fault not applied on every node is 1 and names where; a node verb needs only its node', async () => {
    const heal = await ctl([...up.slice(0, 2), down], 'heal');
    expect(heal.code).toBe(CTL_EXIT.failed);
    expect(heal.text).toContain(`heal applied on 2 of 3 nodes; not on ${down}: unreachable (ECONNREFUSED)`);
    const pauseMissing = await ctl([...up.slice(0, 2), down], 'pause', '3');
    expect(pauseMissing.code).toBe(CTL_EXIT.failed);
    expect(pauseMissing.text).toContain(`no control endpoint answered as node 3; no answer from ${down}: unreachable (ECONNREFUSED)`);
    expect((await ctl([...up.slice(0, 2), down], 'pause', '2')).code).toBe(CTL_EXIT.done);
  });

  it('bad words are bad usage (2), and an unknown command names every ctl command, as ctl help lists them', async () => {
    const verbs = ['status', 'logsize', 'partition', 'oneway', 'isolate', 'heal', 'link', 'pause', 'resume', 'snapshot'];
    const bogus = await ctl(up, 'bogus');
    expect(bogus.code).toBe(CTL_EXIT.usage);
    expect(bogus.text).toMatch(/^\(error\) unknown ctl command 'bogus'; ctl takes .* \(kv-sim ctl --help shows their arguments\)/);
    for (const verb of verbs) expect(bogus.text).toMatch(new RegExp(`\\b${verb}\\b`));
    expect((await ctl(up, 'GET', 'k')).code).toBe(CTL_EXIT.usage);
    const twoGroups = await ctl(up, 'partition', '1,2', '2');
    expect(twoGroups).toEqual({ code: CTL_EXIT.usage, text: '(error) node 2 appears in more than one group\n' });
    const help = await runCliAsync(['ctl', 'help']);
    expect(help.code).toBe(0);
    for (const verb of verbs) expect(help.out, verb).toMatch(new RegExp(`^ {2}(\\S+ \\S+ / )?${verb}\\b`, 'm'));
  }, 30_000);

  it('reaches the shell as the process exit code, and --help says what each code means', async () => {
    const result = await runCliAsync(['ctl', '--endpoints', [...up, down].join(','), 'status']);
    expect(result.code).toBe(CTL_EXIT.someUnanswered);
    expect(result.out).toContain(`${down}: unreachable (ECONNREFUSED)`);
    const help = await runCliAsync(['ctl', '--help']);
    expect(help.out.replace(/\s+/g, ' ')).toContain('Exit codes: 0 = done');
    expect(help.out.replace(/\s+/g, ' ')).toContain('2 = bad usage');
    expect(help.out.replace(/\s+/g, ' ')).toContain('3 = status or logsize answered by some nodes only, or a node refuses to link with a peer');
    const badFlag = await runCliAsync(['ctl', '--endpoints', up.join(','), '--timeout-ms', '0', 'status']);
    expect(badFlag.code).toBe(CTL_EXIT.usage);
  }, 30_000);
});
