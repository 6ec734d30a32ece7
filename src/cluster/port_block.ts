/**
 * Where the emulator's nodes listen. Its user names no ports, and a port the kernel picks (port 0)
 * comes from the ephemeral range, which every outgoing connection on the machine draws from: while
 * a node is down, any client socket can take its port, and the node's restart then fails. So each
 * cluster takes a block of consecutive ports below that range, checked free when the cluster
 * starts, and its nodes keep their ports for the cluster's life. Below the range a port is only
 * taken by a program that asks for it by number.
 *
 * Another kv-sim process asks by number too: a second emulator, or a second test process, saw a
 * down node's ports free and could take them, and that node's restart failed. So every block is
 * also claimed on the machine: one file per port in a shared directory, holding the claiming
 * process's id; a claim whose process is gone is taken over.
 */
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeId } from '../core/types.js';
import { processAlive } from '../lib/process_alive.js';
import { ClusterError } from './cluster_error.js';

/** Ports under this are left alone: many services listen there by default. */
export const PORT_BLOCK_FLOOR = 20_000;
/** Linux's default start of the ephemeral range; other systems start higher (IANA: 49152). */
const EPHEMERAL_LOW_DEFAULT = 32_768;
const BLOCK_ATTEMPTS_MAX = 50;

/** A half-open range of port numbers [low, high). */
export interface PortRange {
  low: number;
  high: number;
}

/** The ports below the kernel's ephemeral range (read from `rangeFile` where the system has one). */
export function portsBelowEphemeral(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): PortRange {
  let ephemeralLow = EPHEMERAL_LOW_DEFAULT;
  try {
    const low = Number(readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 0) ephemeralLow = low;
  } catch {
    // No such file: not Linux; the default lies below the other systems' ranges too.
  }
  return { low: PORT_BLOCK_FLOOR, high: ephemeralLow };
}

/** Ports handed to clusters of this process that are still running, down nodes' ports included. */
const heldByClusters = new Set<number>();

/** Where kv-sim processes on this machine claim their ports (see the header). */
const PORT_CLAIMS_DIR = join(tmpdir(), 'kv-sim-port-claims');

/**
 * Claims `port` (not held by this process) in `dir`: false when another live process holds it. A
 * directory that cannot be written leaves only this process's own bookkeeping: true.
 */
function claimPort(port: number, dir: string): boolean {
  const file = join(dir, String(port));
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // another process removed the emptied directory meanwhile
      if (code !== 'EEXIST') return true;
    }
    const text = readFileText(file);
    if (text === '') return false; // being written by its process right now (or just released)
    // Our own id on a port this process does not hold is a claim left by an earlier process that had it.
    const owner = Number(text);
    if (owner !== process.pid && processAlive(owner)) return false;
    rmSync(file, { force: true }); // its process is gone: take the claim over
  }
  return false;
}

function unclaimPort(port: number, dir: string): void {
  const file = join(dir, String(port));
  if (Number(readFileText(file)) === process.pid) rmSync(file, { force: true });
}

function readFileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The first of `count` consecutive ports in `range`, each free to listen on at `host` now and
 * held by no other cluster of this process or of another live kv-sim process (claimed in
 * `claimsDir`); they stay held until releasePortBlock. Null when the range is too small or no
 * free block turned up (the caller falls back to kernel-picked ports).
 */
export async function reservePortBlock(
  count: number,
  host: string,
  range: PortRange = portsBelowEphemeral(),
  claimsDir = PORT_CLAIMS_DIR,
): Promise<number | null> {
  const span = range.high - range.low - count + 1;
  if (span <= 0) return null;
  for (let attempt = 0; attempt < BLOCK_ATTEMPTS_MAX; attempt++) {
    const base = range.low + Math.floor(Math.random() * span);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((port) => heldByClusters.has(port))) continue;
    const claimed = ports.filter((port) => claimPort(port, claimsDir));
    for (const port of claimed) heldByClusters.add(port);
    if (claimed.length < count) {
      releasePorts(claimed, claimsDir);
      continue;
    }
    const problems = await Promise.all(ports.map((port) => listenProblem(port, host)));
    if (problems.every((problem) => problem === null)) return base;
    releasePortBlock(base, count, claimsDir);
  }
  return null;
}

/** A cluster's block: `count` consecutive ports from `base`. */
export interface PortBlock {
  base: number;
  count: number;
}

export function releasePortBlock(base: number, count: number, claimsDir = PORT_CLAIMS_DIR): void {
  releasePorts(Array.from({ length: count }, (_, i) => base + i), claimsDir);
}

function releasePorts(ports: readonly number[], claimsDir: string): void {
  for (const port of ports) {
    heldByClusters.delete(port);
    unclaimPort(port, claimsDir);
  }
  // Leave no directory behind once no process claims anything (a claim made meanwhile keeps it).
  try {
    rmdirSync(claimsDir);
  } catch {
    // not empty, or already gone
  }
}

/** A node's RESP, HTTP and TCP peer ports (peer 0 on MessagePorts); 0 = any free port. */
export interface NodePorts {
  redis: number;
  http: number;
  peer: number;
}

/** Ports per node in a block: RESP and HTTP, and a peer port over TCP. */
export function portsPerNode(transport: 'channel' | 'tcp'): number {
  return transport === 'tcp' ? 3 : 2;
}

/** Node `id`'s ports in the block from `base` (ids from 1): node 1 first, RESP then HTTP then peer. */
export function nodePortsInBlock(base: number, id: NodeId, transport: 'channel' | 'tcp'): NodePorts {
  const first = base + (id - 1) * portsPerNode(transport);
  return { redis: first, http: first + 1, peer: transport === 'tcp' ? first + 2 : 0 };
}

/** A restart keeps the node's ports: if one is unavailable, the node stays down and the error says which and why. */
export async function checkPortsFree(node: NodeId, ports: NodePorts, host: string): Promise<void> {
  for (const [kind, port] of [['RESP', ports.redis], ['HTTP', ports.http], ['peer', ports.peer]] as const) {
    if (port === 0) continue;
    const problem = await listenProblem(port, host);
    if (problem === null) continue;
    const cause = problem === 'EADDRINUSE' ? `${problem}: another socket holds it` : problem;
    throw new ClusterError(`node ${node} cannot restart: its ${kind} port ${host}:${port} is unavailable (${cause}); node ${node} stays down, the other nodes keep serving`);
  }
}

/** Why listening on host:port fails right now (an error code such as EADDRINUSE), or null if it would not. */
export function listenProblem(port: number, host: string): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(null)));
  });
}
