/** The emulator's port blocks: below the ephemeral range, free when taken, one cluster's at a time, on the whole machine. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenProblem, nodePortsInBlock, PORT_BLOCK_FLOOR, portsBelowEphemeral, releasePortBlock, reservePortBlock } from '../../src/cluster/port_block.js';
import { holdPort, releasePort } from '../support/port_squatter.js';

const HOST = '127.0.0.1';

/** Six free ports to play in, released at once so that a test can hand them out again. */
async function freeStretch(): Promise<number> {
  const base = await reservePortBlock(6, HOST);
  if (base === null) throw new Error('no 6 free ports below the ephemeral range');
  releasePortBlock(base, 6);
  return base;
}

describe('portsBelowEphemeral', () => {
  const dir = mkdtempSync(join(tmpdir(), 'port-range-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends where the kernel ephemeral range starts', () => {
    const file = join(dir, 'range');
    writeFileSync(file, '40000\t60999\n');
    expect(portsBelowEphemeral(file)).toEqual({ low: PORT_BLOCK_FLOOR, high: 40_000 });
  });

  it('ends at 32768 where the system does not say', () => {
    expect(portsBelowEphemeral(join(dir, 'missing'))).toEqual({ low: PORT_BLOCK_FLOOR, high: 32_768 });
  });
});

describe('reservePortBlock', () => {
  it('finds the only free block in a range, between ports other sockets hold', async () => {
    const base = await freeStretch();
    const held = await holdPort(base + 1);
    try {
      expect(await listenProblem(base + 1, HOST)).toBe('EADDRINUSE');
      const range = { low: base, high: base + 4 };
      expect(await reservePortBlock(2, HOST, range)).toBe(base + 2);
      releasePortBlock(base + 2, 2);
      expect(await reservePortBlock(3, HOST, range)).toBeNull();
    } finally {
      await releasePort(held);
    }
  });

  it('gives a block to one cluster of this process at a time, even while its ports are unbound', async () => {
    const base = await freeStretch();
    const range = { low: base, high: base + 2 };
    expect(await reservePortBlock(2, HOST, range)).toBe(base);
    expect(await listenProblem(base, HOST)).toBeNull(); // free on the machine, but this process handed it out
    expect(await reservePortBlock(2, HOST, range)).toBeNull();
    releasePortBlock(base, 2);
    expect(await reservePortBlock(2, HOST, range)).toBe(base);
    releasePortBlock(base, 2);
  });

  it('leaves ports another live kv-sim process claimed, and takes over the claims of a process that is gone', async () => {
    const claims = mkdtempSync(join(tmpdir(), 'port-claims-'));
    try {
      const base = await freeStretch();
      const range = { low: base, high: base + 2 };
      const claim = (port: number, pid: number): void => writeFileSync(join(claims, String(port)), String(pid));
      claim(base + 1, process.ppid); // our parent: alive
      expect(await reservePortBlock(2, HOST, range, claims)).toBeNull();
      const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
      claim(base + 1, gone);
      expect(await reservePortBlock(2, HOST, range, claims)).toBe(base);
      expect([base, base + 1].map((port) => readFileSync(join(claims, String(port)), 'utf8'))).toEqual([String(process.pid), String(process.pid)]);
      releasePortBlock(base, 2, claims);
      expect(existsSync(claims)).toBe(false); // nothing claimed: no directory left behind
    } finally {
      rmSync(claims, { recursive: true, force: true });
    }
  });

  it('returns null for a range too small for the block', async () => {
    expect(await reservePortBlock(3, HOST, { low: 25_000, high: 25_002 })).toBeNull();
    expect(await reservePortBlock(1, HOST, { low: 33_000, high: 32_768 })).toBeNull();
  });
});

describe('nodePortsInBlock', () => {
  it('lays nodes out one after another: RESP, HTTP, then the peer port over TCP', () => {
    expect(nodePortsInBlock(21_000, 1, 'tcp')).toEqual({ redis: 21_000, http: 21_001, peer: 21_002 });
    expect(nodePortsInBlock(21_000, 3, 'tcp')).toEqual({ redis: 21_006, http: 21_007, peer: 21_008 });
    expect(nodePortsInBlock(21_000, 3, 'channel')).toEqual({ redis: 21_004, http: 21_005, peer: 0 });
  });
});
