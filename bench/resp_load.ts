/**
 * A load generator of our own through a node's RESP port. Closed loop: `clients` requests are
 * always outstanding, spread over pipelined connections; each reply sends that client's next
 * request at once. Open loop (`ratePerSecond`): requests leave on a fixed schedule whatever the
 * replies do, to read latency at a given rate. Keys: one of 1,000; values: 100 bytes.
 */
import { connect, type Socket } from 'node:net';
import { encodeCommand, RespReplyParser } from '../src/lib/resp/index.js';
import { percentile } from './stats.js';

export interface LoadOptions {
  host: string;
  port: number;
  command: 'set' | 'get';
  /** Concurrent requests (closed loop); ignored in open loop except as the connection count bound. */
  clients: number;
  durationMs: number;
  /** Replies before this are not counted (connections warm up, the leader's batches fill). */
  warmupMs: number;
  /** Open loop at this many requests per second instead of a closed loop. */
  ratePerSecond?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** Pipelined connections: up to this many, each carrying clients / connections requests. */
export const LOAD_CONNECTIONS_MAX = 16;
/** Open loop: past this many outstanding requests the generator stops sending (the server is saturated). */
const OPEN_LOOP_OUTSTANDING_MAX = 20_000;
const DRAIN_TIMEOUT_MS = 10_000;
const KEYS = 1000;

const value = 'v'.repeat(100);
const commands = {
  set: Array.from({ length: KEYS }, (_, i) => Buffer.from(encodeCommand(['SET', `key:${i}`, value]))),
  get: Array.from({ length: KEYS }, (_, i) => Buffer.from(encodeCommand(['GET', `key:${i}`]))),
};

class LoadConnection {
  readonly sentAtMs: number[] = [];
  private head = 0;
  private pending: Buffer[] = [];
  private readonly parser = new RespReplyParser();
  readonly socket: Socket;
  private readonly onReply: (conn: LoadConnection, sentAtMs: number, isError: boolean) => void;
  constructor(socket: Socket, onReply: (conn: LoadConnection, sentAtMs: number, isError: boolean) => void) {
    this.socket = socket;
    this.onReply = onReply;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }
  get outstanding(): number {
    return this.sentAtMs.length - this.head;
  }
  queue(command: Buffer, nowMs: number): void {
    this.pending.push(command);
    this.sentAtMs.push(nowMs);
  }
  flush(): void {
    if (this.pending.length === 0) return;
    this.socket.write(this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending));
    this.pending = [];
  }
  private receive(chunk: Buffer): void {
    this.parser.push(chunk);
    for (;;) {
      const step = this.parser.next();
      if (step.kind === 'incomplete') break;
      if (step.kind === 'error') throw new Error(`bad reply from the server: ${step.message}`);
      const sentAtMs = this.sentAtMs[this.head++] as number;
      if (this.head > 4096) {
        this.sentAtMs.splice(0, this.head);
        this.head = 0;
      }
      this.onReply(this, sentAtMs, step.value.type === 'error');
    }
    this.flush();
  }
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

export async function runRespLoad(options: LoadOptions): Promise<LoadResult> {
  const connectionCount = Math.max(1, Math.min(options.clients, LOAD_CONNECTIONS_MAX));
  const pool = options.command === 'set' ? commands.set : commands.get;
  const pick = (): Buffer => pool[Math.floor(Math.random() * KEYS)] as Buffer;
  const latenciesMs: number[] = [];
  let errors = 0;
  let counted = 0;
  let stopping = false;
  const startMs = performance.now();
  const windowStartMs = startMs + options.warmupMs;
  const endMs = startMs + options.warmupMs + options.durationMs;
  const closedLoop = options.ratePerSecond === undefined;
  const onReply = (conn: LoadConnection, sentAtMs: number, isError: boolean): void => {
    const nowMs = performance.now();
    if (sentAtMs >= windowStartMs && nowMs <= endMs) {
      counted++;
      latenciesMs.push(nowMs - sentAtMs);
      if (isError) errors++;
    }
    if (nowMs > endMs) stopping = true;
    if (closedLoop && !stopping) conn.queue(pick(), nowMs);
  };
  const sockets = await Promise.all(Array.from({ length: connectionCount }, () => open(options.host, options.port)));
  const connections = sockets.map((socket) => new LoadConnection(socket, onReply));
  const failed = new Promise<never>((_, reject) => sockets.forEach((s) => s.once('error', reject)));
  try {
    if (closedLoop) startClosedLoop(connections, options.clients, pick);
    else await Promise.race([openLoop(connections, options.ratePerSecond ?? 0, endMs, pick), failed]);
    await Promise.race([drained(connections, endMs + DRAIN_TIMEOUT_MS, () => performance.now() > endMs), failed]);
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  latenciesMs.sort((a, b) => a - b);
  return {
    requestsPerSecond: (counted * 1000) / options.durationMs,
    errors,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    p999Ms: percentile(latenciesMs, 99.9),
  };
}

function startClosedLoop(connections: LoadConnection[], clients: number, pick: () => Buffer): void {
  const nowMs = performance.now();
  for (let i = 0; i < clients; i++) (connections[i % connections.length] as LoadConnection).queue(pick(), nowMs);
  for (const conn of connections) conn.flush();
}

/** Sends on a 1 ms schedule: each turn, whatever the rate owes since the start, round-robin. */
async function openLoop(connections: LoadConnection[], ratePerSecond: number, endMs: number, pick: () => Buffer): Promise<void> {
  const startMs = performance.now();
  let sent = 0;
  let turn = 0;
  while (performance.now() < endMs) {
    const nowMs = performance.now();
    const owed = Math.floor(((nowMs - startMs) * ratePerSecond) / 1000) - sent;
    const outstanding = connections.reduce((sum, c) => sum + c.outstanding, 0);
    for (let i = 0; i < owed && outstanding + i < OPEN_LOOP_OUTSTANDING_MAX; i++) {
      (connections[turn++ % connections.length] as LoadConnection).queue(pick(), nowMs);
    }
    sent += owed;
    for (const conn of connections) conn.flush();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function drained(connections: LoadConnection[], deadlineMs: number, over: () => boolean): Promise<void> {
  while (!over() || connections.some((c) => c.outstanding > 0)) {
    if (performance.now() > deadlineMs) throw new Error('load generator: replies still missing 10 s after the run');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
