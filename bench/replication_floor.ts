/**
 * The replication floor: a minimal design of kv-sim's shape, run beside Redis and kv-sim so the
 * bench can say how much of a gap comes with the shape on this host and how much is kv-sim's own.
 *
 * Same shape as a 3-node cluster with fsync always: a leader thread serving a RESP port and two
 * follower threads linked by MessageChannels. Everything that arrives in one turn of the leader's
 * event loop is one batch: appended to a file and fdatasynced on libuv's pool (one sync at a time,
 * covering every write made before it started), and posted to both followers, which do the same
 * and acknowledge. The leader answers a batch's commands once its own copy and one follower's are
 * durable. Every command is answered +OK (PING with +PONG): no Raft, no log index or term, no
 * SQLite, no state machine, no command codec. Bench only; this is not a store.
 *
 * Run as its own process (startReplicationFloor), so it shares the two cores the way Redis does.
 */
import { fdatasync, openSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, MessageChannel, type MessagePort, Worker, workerData } from 'node:worker_threads';
import { concatBytes } from '../src/lib/concat_bytes.js';
import { startPingedServer, type RunningReference } from './redis_reference.js';

const CR = 13;

interface FollowerData {
  role: 'follower';
  file: string;
  leader: MessagePort;
}
interface LeaderData {
  role: 'leader';
  file: string;
  port: number;
  followers: MessagePort[];
}
/** A batch sent to a follower, which answers with the highest batch number it has synced. */
interface Append {
  batch: number;
  bytes: Uint8Array;
}

/** Appends to a file and syncs in the background, one fdatasync at a time; calls back with what is durable. */
class SyncedFile {
  private readonly fd: number;
  private lastWrittenBatch = 0;
  private syncing = false;
  private readonly durable: (batch: number) => void;

  constructor(file: string, durable: (batch: number) => void) {
    this.fd = openSync(file, 'w');
    this.durable = durable;
  }

  append(batch: number, bytes: Uint8Array): void {
    writeSync(this.fd, bytes);
    this.lastWrittenBatch = batch;
    this.sync();
  }

  private sync(): void {
    if (this.syncing) return;
    this.syncing = true;
    const target = this.lastWrittenBatch;
    fdatasync(this.fd, (error) => {
      // Uncaught in the worker: its 'error' event ends the process with the message (runProcess).
      if (error !== null) throw error;
      this.syncing = false;
      this.durable(target);
      if (this.lastWrittenBatch > target) this.sync();
    });
  }
}

function runFollower(data: FollowerData): void {
  const file = new SyncedFile(data.file, (batch) => data.leader.postMessage(batch));
  data.leader.on('message', (append: Append) => file.append(append.batch, append.bytes));
}

/** Complete commands at the front of `bytes` (RESP arrays of bulk strings, or inline lines): their count, where they end, and their replies. */
export function scanCommands(bytes: Buffer): { count: number; end: number; replies: string } {
  let at = 0;
  let count = 0;
  let replies = '';
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf(CR, at);
    if (lineEnd < 0 || lineEnd + 1 >= bytes.length) break;
    let next: number;
    let isPing: boolean;
    if (bytes[at] === 0x2a /* '*' */) {
      const parts = Number(bytes.toString('latin1', at + 1, lineEnd));
      next = lineEnd + 2;
      isPing = false;
      for (let part = 0; part < parts && next <= bytes.length; part++) {
        const sizeEnd = bytes.indexOf(CR, next);
        if (sizeEnd < 0) {
          next = bytes.length + 1;
          break;
        }
        const size = Number(bytes.toString('latin1', next + 1, sizeEnd));
        if (part === 0) isPing = size === 4 && bytes.toString('latin1', sizeEnd + 2, sizeEnd + 6).toUpperCase() === 'PING';
        next = sizeEnd + 2 + size + 2;
      }
      if (next > bytes.length) break;
    } else {
      next = lineEnd + 2;
      isPing = bytes.toString('latin1', at, lineEnd).trim().toUpperCase() === 'PING';
    }
    replies += isPing ? '+PONG\r\n' : '+OK\r\n';
    count++;
    at = next;
  }
  return { count, end: at, replies };
}

function runLeader(data: LeaderData): void {
  let batchNumber = 0;
  let ownDurable = 0;
  const followerDurable = data.followers.map(() => 0);
  /** Replies per batch, per connection, in batch order. */
  const unanswered = new Map<number, Map<Socket, string>>();
  let queued: Array<{ socket: Socket; bytes: Uint8Array; replies: string }> = [];
  let flushScheduled = false;

  const answerCommitted = (): void => {
    const committed = Math.min(ownDurable, Math.max(...followerDurable));
    for (const [batch, replies] of unanswered) {
      if (batch > committed) break;
      unanswered.delete(batch);
      for (const [socket, text] of replies) if (!socket.destroyed) socket.write(text);
    }
  };
  const file = new SyncedFile(data.file, (batch) => {
    ownDurable = batch;
    answerCommitted();
  });
  data.followers.forEach((follower, i) =>
    follower.on('message', (batch: number) => {
      followerDurable[i] = batch;
      answerCommitted();
    }),
  );
  const flush = (): void => {
    flushScheduled = false;
    if (queued.length === 0) return;
    const batch = ++batchNumber;
    const replies = new Map<Socket, string>();
    for (const item of queued) replies.set(item.socket, (replies.get(item.socket) ?? '') + item.replies);
    const bytes = queued.length === 1 ? (queued[0] as { bytes: Uint8Array }).bytes : concatBytes(queued.map((item) => item.bytes));
    queued = [];
    unanswered.set(batch, replies);
    for (const follower of data.followers) follower.postMessage({ batch, bytes } satisfies Append);
    file.append(batch, bytes);
  };
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const { count, end, replies } = scanCommands(pending);
      if (count === 0) return;
      // A copy with its own memory: the batch outlives this chunk, and posting a view of Node's
      // buffer pool would clone the whole pool slab.
      queued.push({ socket, bytes: new Uint8Array(pending.subarray(0, end)), replies });
      pending = pending.subarray(end);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(data.port, '127.0.0.1');
}

/** The process: three threads, files in `dir`, the leader serving `port`. */
function runProcess(port: number, dir: string): void {
  const self = fileURLToPath(import.meta.url);
  const start = (data: FollowerData | LeaderData, transferList: MessagePort[]): void => {
    new Worker(self, { workerData: data, transferList }).on('error', (error) => {
      console.error(`replication floor: the ${data.role} thread failed: ${error.stack ?? String(error)}`);
      process.exit(1);
    });
  };
  const channels = [new MessageChannel(), new MessageChannel()];
  channels.forEach((channel, i) => start({ role: 'follower', file: join(dir, `follower-${i + 1}.log`), leader: channel.port2 }, [channel.port2]));
  const followers = channels.map((channel) => channel.port1);
  start({ role: 'leader', file: join(dir, 'leader.log'), port, followers }, followers);
}

/** Starts the floor as its own process on a free loopback port, its files in a temp dir removed on stop. */
export function startReplicationFloor(): Promise<RunningReference> {
  return startPingedServer('the replication floor', 'kv-sim-bench-floor-', (port, dir) => [process.execPath, [fileURLToPath(import.meta.url), String(port), dir]]);
}

const data = (isMainThread ? null : workerData) as { role?: string } | null;
if (data?.role === 'follower') runFollower(data as FollowerData);
else if (data?.role === 'leader') runLeader(data as LeaderData);
else if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) runProcess(Number(process.argv[2]), String(process.argv[3]));
