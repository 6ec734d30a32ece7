/**
 * Transport speed, three ways:
 *  - the codec alone (encode + decode of append batches);
 *  - the MessagePort and TCP transports with both ends in this thread (the transports' own cost);
 *  - the same transports between two worker threads, the emulator's real path, with a bounded
 *    window of batches in flight (like Raft's pipelining) acknowledged by the receiver.
 * Run: npx tsx bench/transport_bench.ts (this file is also the worker's entry).
 */
import { pathToFileURL } from 'node:url';
import { isMainThread, MessageChannel, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import type { Message } from '../src/core/types.js';
import type { Transport } from '../src/ports/transport.js';
import { ChannelTransport, type ChannelEncoding } from '../src/transport/channel_transport.js';
import { encodeFrame, FrameDecoder } from '../src/transport/codec.js';
import type { LeaseSettings } from '../src/transport/peer_protocol.js';
import { startTcpTransport, type PeerAddress, type TcpTransport } from '../src/transport/tcp_transport.js';

export interface TransportBenchResult {
  name: string;
  messagesPerSecond: number;
  megabytesPerSecond: number;
  /** Messages per second of process CPU time: steadier than wall time on a shared, busy machine. */
  messagesPerCpuSecond: number;
}

const BATCH_MESSAGES = 64;
/** Batches in flight before the sender waits for the receiver's acknowledgement. */
const WINDOW_BATCHES = 16;
const DEADLINE_MS = 60_000;
/** Both ends of a TCP pair must agree on these to link; their values do not matter here. */
const LEASE: LeaseSettings = { tickIntervalMs: 10, electionTimeoutTicks: 15, heartbeatIntervalTicks: 5, checkQuorum: true, readLease: true };

function appendBatch(entryBytes: number): Message[] {
  const data = new Uint8Array(entryBytes).fill(0x61);
  return Array.from({ length: BATCH_MESSAGES }, (_, i) => ({
    type: 'append' as const,
    from: 1,
    to: 2,
    term: 5,
    prevLogIndex: 1000 + i,
    prevLogTerm: 5,
    commit: 999 + i,
    entries: [{ term: 5, index: 1001 + i, kind: 'normal' as const, data }],
  }));
}

function result(name: string, messages: number, bytes: number, elapsedMs: number, cpu: NodeJS.CpuUsage): TransportBenchResult {
  const seconds = elapsedMs / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { name, messagesPerSecond: messages / seconds, megabytesPerSecond: bytes / seconds / 1e6, messagesPerCpuSecond: messages / cpuSeconds };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Encodes a batch of appends into one frame and decodes it back, for about durationMs. */
export function benchCodec(entryBytes: number, durationMs: number): TransportBenchResult {
  const batch = appendBatch(entryBytes);
  const decoder = new FrameDecoder();
  let messages = 0;
  let bytes = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let i = 0; i < 20; i++) {
      const frame = encodeFrame(batch);
      const { frames, error } = decoder.push(frame);
      if (error !== null || frames.length !== 1) throw new Error('codec bench: decode failed');
      messages += batch.length;
      bytes += frame.length;
    }
    now = performance.now();
  }
  return result(`codec encode+decode, ${entryBytes} B entries`, messages, bytes, now - start, process.cpuUsage(cpuStart));
}

/** Sends `rounds` batches from `sender` with a window of unacknowledged batches; resolves at the last ack. */
async function pump(sender: Transport, entryBytes: number, rounds: number, acked: () => number): Promise<number> {
  const batch = appendBatch(entryBytes);
  const start = performance.now();
  for (let sent = 0; sent < rounds; sent++) {
    while (sent - acked() >= WINDOW_BATCHES) await nextTurn();
    sender.send(batch);
  }
  while (acked() < rounds && performance.now() - start < DEADLINE_MS) await nextTurn();
  return acked();
}

/** Node 2's side: one acknowledgement (a heartbeat response) per batch received. */
function acknowledgeBatches(receiver: Transport): void {
  let received = 0;
  receiver.onMessage(() => {
    if (++received % BATCH_MESSAGES === 0) {
      receiver.send([{ type: 'heartbeat-response', from: 2, to: 1, term: 5, readSeq: received / BATCH_MESSAGES, lastLogIndex: 0, lastLogTerm: 0 }]);
    }
  });
}

function countAcks(sender: Transport): () => number {
  let acked = 0;
  sender.onMessage((m) => {
    if (m.type === 'heartbeat-response') acked = Math.max(acked, m.readSeq);
  });
  return () => acked;
}

async function tcpPair(): Promise<[TcpTransport, TcpTransport]> {
  const a = await startTcpTransport({ self: 1, listen: { host: '127.0.0.1', port: 0 }, peers: [], lease: LEASE });
  const b = await startTcpTransport({ self: 2, listen: { host: '127.0.0.1', port: 0 }, peers: [], lease: LEASE });
  if (!a.ok || !b.ok) throw new Error('tcp bench: cannot listen');
  a.transport.setPeerAddress(2, b.transport.address());
  b.transport.setPeerAddress(1, a.transport.address());
  while (a.transport.connectedPeers().length === 0 || b.transport.connectedPeers().length === 0) await nextTurn();
  return [a.transport, b.transport];
}

/** Both ends in this thread. */
export async function benchInThread(kind: 'channel' | 'tcp', entryBytes: number, rounds: number): Promise<TransportBenchResult> {
  let one: Transport;
  let two: Transport;
  if (kind === 'channel') {
    const { port1, port2 } = new MessageChannel();
    one = new ChannelTransport({ self: 1, peers: [[2, port1]] });
    two = new ChannelTransport({ self: 2, peers: [[1, port2]] });
  } else {
    [one, two] = await tcpPair();
  }
  acknowledgeBatches(two);
  const acked = countAcks(one);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const batches = await pump(one, entryBytes, rounds, acked);
  const elapsedMs = performance.now() - start;
  one.close();
  two.close();
  const label = kind === 'channel' ? 'MessagePort (frame)' : 'TCP';
  const messages = batches * BATCH_MESSAGES;
  return result(`${label}, one thread, ${entryBytes} B entries`, messages, messages * entryBytes, elapsedMs, process.cpuUsage(cpuStart));
}

// ---- worker to worker ---------------------------------------------------------------------

interface PeerWorkerData {
  role: 'transport-bench-peer';
  self: 1 | 2;
  kind: 'channel' | 'tcp';
  encoding: ChannelEncoding;
  port?: MessagePort;
}

type ToWorker = { peerAddress: PeerAddress } | { run: { entryBytes: number; rounds: number } };
type FromWorker = { address: PeerAddress } | { ready: true } | { done: { batches: number; elapsedMs: number; cpu: NodeJS.CpuUsage } };

/** The worker side: one transport, node 1 sends when told to, node 2 acknowledges. */
async function peerWorkerMain(data: PeerWorkerData, control: MessagePort): Promise<void> {
  const other = data.self === 1 ? 2 : 1;
  let transport: Transport;
  if (data.kind === 'channel' && data.port !== undefined) {
    transport = new ChannelTransport({ self: data.self, peers: [[other, data.port]], encoding: data.encoding });
  } else {
    const started = await startTcpTransport({ self: data.self, listen: { host: '127.0.0.1', port: 0 }, peers: [], lease: LEASE });
    if (!started.ok) throw new Error(started.error);
    const tcp = started.transport;
    transport = tcp;
    control.postMessage({ address: tcp.address() } satisfies FromWorker);
    const { peerAddress } = await new Promise<{ peerAddress: PeerAddress }>((resolve) => control.once('message', resolve));
    tcp.setPeerAddress(other, peerAddress);
    while (tcp.connectedPeers().length === 0) await nextTurn();
  }
  if (data.self === 2) acknowledgeBatches(transport);
  const acked = data.self === 1 ? countAcks(transport) : () => 0;
  control.on('message', (message: ToWorker) => {
    if (!('run' in message)) return;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    void pump(transport, message.run.entryBytes, message.run.rounds, acked).then((batches) => {
      control.postMessage({ done: { batches, elapsedMs: performance.now() - start, cpu: process.cpuUsage(cpuStart) } } satisfies FromWorker);
    });
  });
  control.postMessage({ ready: true } satisfies FromWorker);
}

/** Starts this very file in a worker; from TypeScript sources that needs the tsx loader first. */
function startPeerWorker(data: PeerWorkerData, transferList: MessagePort[]): Worker {
  const url = import.meta.url;
  if (!url.endsWith('.ts')) return new Worker(new URL(url), { workerData: data, transferList });
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data, transferList });
}

function nextReply<K extends string>(worker: Worker, key: K): Promise<Extract<FromWorker, Record<K, unknown>>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker): void => {
      if (!(key in message)) return;
      worker.off('message', onMessage);
      resolve(message as Extract<FromWorker, Record<K, unknown>>);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

export async function benchWorkers(
  kind: 'channel' | 'tcp',
  entryBytes: number,
  rounds: number,
  encoding: ChannelEncoding = 'frame',
): Promise<TransportBenchResult> {
  let workers: [Worker, Worker];
  const role = 'transport-bench-peer';
  if (kind === 'channel') {
    const { port1, port2 } = new MessageChannel();
    workers = [
      startPeerWorker({ role, self: 1, kind, encoding, port: port1 }, [port1]),
      startPeerWorker({ role, self: 2, kind, encoding, port: port2 }, [port2]),
    ];
  } else {
    workers = [startPeerWorker({ role, self: 1, kind, encoding }, []), startPeerWorker({ role, self: 2, kind, encoding }, [])];
    const [a, b] = await Promise.all(workers.map((w) => nextReply(w, 'address')));
    workers[0].postMessage({ peerAddress: b?.address } as ToWorker);
    workers[1].postMessage({ peerAddress: a?.address } as ToWorker);
  }
  await Promise.all(workers.map((w) => nextReply(w, 'ready')));
  const done = nextReply(workers[0], 'done');
  workers[0].postMessage({ run: { entryBytes, rounds } } satisfies ToWorker);
  const { batches, elapsedMs, cpu } = (await done).done;
  await Promise.all(workers.map((w) => w.terminate()));
  const messages = batches * BATCH_MESSAGES;
  const label = kind === 'channel' ? `MessagePort (${encoding})` : 'TCP';
  // CPU time is the sender's thread plus whatever the process did meanwhile; wall time is the figure.
  return result(`${label}, worker to worker, ${entryBytes} B entries`, messages, messages * entryBytes, elapsedMs, cpu);
}

export async function runTransportBench(): Promise<TransportBenchResult[]> {
  const results: TransportBenchResult[] = [];
  const rounds = (entryBytes: number): number => (entryBytes > 1000 ? 1500 : 5000);
  for (const entryBytes of [100, 4096]) results.push(benchCodec(entryBytes, 1500));
  for (const kind of ['channel', 'tcp'] as const) {
    for (const entryBytes of [100, 4096]) results.push(await benchInThread(kind, entryBytes, rounds(entryBytes)));
    for (const entryBytes of [100, 4096]) results.push(await benchWorkers(kind, entryBytes, rounds(entryBytes)));
  }
  for (const entryBytes of [100, 4096]) results.push(await benchWorkers('channel', entryBytes, rounds(entryBytes), 'clone'));
  return results;
}

function format(r: TransportBenchResult): string {
  const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);
  return `${r.name.padEnd(52)} ${rate(r.messagesPerSecond)} msg/s ${r.megabytesPerSecond.toFixed(1).padStart(7)} MB/s ${rate(r.messagesPerCpuSecond)} msg/CPU-s`;
}

const peerData = workerData as PeerWorkerData | null | undefined;
if (!isMainThread && peerData?.role === 'transport-bench-peer' && parentPort !== null) {
  await peerWorkerMain(peerData, parentPort as unknown as MessagePort);
} else if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`batches of ${BATCH_MESSAGES} append messages (one entry each), ${WINDOW_BATCHES} batches in flight`);
  for (const r of await runTransportBench()) console.log(format(r));
}
