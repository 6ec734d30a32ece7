/**
 * Transport speed: the codec alone (encode + decode of append batches), then messages per second
 * through the MessagePort and TCP transports in one thread (both ends here, so it shows the cost
 * of the transport, not of a worker hop). Run: npx tsx bench/transport_bench.ts
 */
import { pathToFileURL } from 'node:url';
import type { Message } from '../src/core/types.js';
import { ChannelTransport } from '../src/transport/channel_transport.js';
import { encodeFrame, FrameDecoder } from '../src/transport/codec.js';
import { startTcpTransport } from '../src/transport/tcp_transport.js';
import { MessageChannel } from 'node:worker_threads';

export interface TransportBenchResult {
  name: string;
  messagesPerSecond: number;
  megabytesPerSecond: number;
  /** Messages per second of process CPU time: steadier than wall time on a shared, busy machine. */
  messagesPerCpuSecond: number;
}

const BATCH_MESSAGES = 64;

function appendBatch(entryBytes: number, from = 1, to = 2): Message[] {
  const data = new Uint8Array(entryBytes).fill(0x61);
  return Array.from({ length: BATCH_MESSAGES }, (_, i) => ({
    type: 'append' as const,
    from,
    to,
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

/** Encodes a batch of appends into one frame and decodes it back, for about durationMs. */
function benchCodec(entryBytes: number, durationMs: number): TransportBenchResult {
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

/** Pushes `rounds` batches from node 1 to node 2 and waits until all have arrived. */
async function pump(
  name: string,
  entryBytes: number,
  rounds: number,
  send: (batch: Message[]) => void,
  arrived: () => number,
): Promise<TransportBenchResult> {
  const batch = appendBatch(entryBytes);
  const total = rounds * batch.length;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  // A bounded window of batches in flight, like Raft's pipelining.
  for (let sent = 0; sent < rounds; sent++) {
    while ((sent - 16) * batch.length > arrived()) await new Promise((resolve) => setImmediate(resolve));
    send(batch);
  }
  const deadline = start + 60_000;
  while (arrived() < total && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  const elapsedMs = performance.now() - start;
  return result(name, arrived(), arrived() * (entryBytes + 16), elapsedMs, process.cpuUsage(cpuStart));
}

async function benchChannel(entryBytes: number, rounds: number): Promise<TransportBenchResult> {
  const { port1, port2 } = new MessageChannel();
  const one = new ChannelTransport({ self: 1, peers: [[2, port1]] });
  const two = new ChannelTransport({ self: 2, peers: [[1, port2]] });
  let arrived = 0;
  two.onMessage(() => arrived++);
  const out = await pump(`MessagePort transport, ${entryBytes} B entries`, entryBytes, rounds, (b) => one.send(b), () => arrived);
  one.close();
  two.close();
  return out;
}

async function benchTcp(entryBytes: number, rounds: number): Promise<TransportBenchResult> {
  const a = await startTcpTransport({ self: 1, listen: { host: '127.0.0.1', port: 0 }, peers: [] });
  const b = await startTcpTransport({ self: 2, listen: { host: '127.0.0.1', port: 0 }, peers: [] });
  if (!a.ok || !b.ok) throw new Error('tcp bench: cannot listen');
  a.transport.setPeerAddress(2, b.transport.address());
  b.transport.setPeerAddress(1, a.transport.address());
  while (a.transport.connectedPeers().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  let arrived = 0;
  b.transport.onMessage(() => arrived++);
  const out = await pump(`TCP transport, ${entryBytes} B entries`, entryBytes, rounds, (batch) => a.transport.send(batch), () => arrived);
  a.transport.close();
  b.transport.close();
  return out;
}

export async function runTransportBench(): Promise<TransportBenchResult[]> {
  const results: TransportBenchResult[] = [];
  for (const entryBytes of [100, 4096]) results.push(benchCodec(entryBytes, 1500));
  for (const entryBytes of [100, 4096]) results.push(await benchChannel(entryBytes, entryBytes > 1000 ? 1500 : 5000));
  for (const entryBytes of [100, 4096]) results.push(await benchTcp(entryBytes, entryBytes > 1000 ? 1500 : 5000));
  return results;
}

function format(r: TransportBenchResult): string {
  const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);
  return `${r.name.padEnd(42)} ${rate(r.messagesPerSecond)} msg/s ${r.megabytesPerSecond.toFixed(1).padStart(7)} MB/s ${rate(r.messagesPerCpuSecond)} msg/CPU-s`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`batches of ${BATCH_MESSAGES} append messages, one entry each`);
  for (const r of await runTransportBench()) console.log(format(r));
}
