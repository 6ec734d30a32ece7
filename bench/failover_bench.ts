/**
 * Failover: the time from killing the leader (cluster.crash) to the first write committed by a
 * new leader, over many kills. After the kill every survivor is sent SETs in a tight retry loop
 * (a follower forwards to the leader it knows, or answers TRYAGAIN while there is none); the
 * first OK can only come from a new leader. The killed node is restarted and caught up before
 * the next kill.
 */
import { connect, type Socket } from 'node:net';
import { startCluster, type Cluster, type TimingName } from '../src/index.js';
import { encodeCommand, RespReplyParser, type RespValue } from '../src/lib/resp/index.js';
import { sleep } from './proc.js';

export interface FailoverResult {
  timing: TimingName;
  kills: number;
  samplesMs: number[];
}

/** An attempt with no reply after this long is abandoned on a fresh connection. */
const ATTEMPT_TIMEOUT_MS = 250;
const RETRY_GAP_MS = 2;
const ROUND_TIMEOUT_MS = 20_000;

/** One connection to a node that sends a command and waits for its single reply, or times out. */
class Probe {
  private socket: Socket | null = null;
  private parser = new RespReplyParser();
  private waiting: ((value: RespValue | null) => void) | null = null;
  private readonly host: string;
  private readonly port: number;
  constructor(url: string) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port);
  }
  async send(args: string[], timeoutMs: number): Promise<RespValue | null> {
    if (this.socket === null) this.reconnect();
    const reply = new Promise<RespValue | null>((resolve) => (this.waiting = resolve));
    const timer = setTimeout(() => this.fail(), timeoutMs);
    this.socket?.write(encodeCommand(args));
    const value = await reply;
    clearTimeout(timer);
    return value;
  }
  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
  private reconnect(): void {
    this.close();
    this.parser = new RespReplyParser();
    const socket = connect(this.port, this.host);
    socket.setNoDelay(true);
    // A replaced connection's late events must not touch its successor.
    socket.on('error', () => this.socket === socket && this.fail());
    socket.on('close', () => this.socket === socket && this.fail());
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.parser.push(chunk);
      const step = this.parser.next();
      if (step.kind === 'value') this.settle(step.value);
      else if (step.kind === 'error') this.fail();
    });
    this.socket = socket;
  }
  /** No answer (timeout, reset): forget this connection, so a late reply cannot be mistaken. */
  private fail(): void {
    this.close();
    this.settle(null);
  }
  private settle(value: RespValue | null): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(value);
  }
}

async function firstCommittedWriteMs(probes: Probe[], round: number, startMs: number): Promise<number> {
  let doneAtMs = 0;
  const deadlineMs = startMs + ROUND_TIMEOUT_MS;
  await Promise.all(probes.map(async (probe, i) => {
    for (let attempt = 0; doneAtMs === 0 && performance.now() < deadlineMs; attempt++) {
      const reply = await probe.send(['SET', `failover:${round}`, `${i}:${attempt}`], ATTEMPT_TIMEOUT_MS);
      if (reply !== null && reply.type === 'simple' && reply.value === 'OK') {
        if (doneAtMs === 0) doneAtMs = performance.now();
        return;
      }
      await sleep(RETRY_GAP_MS);
    }
  }));
  if (doneAtMs === 0) throw new Error(`failover round ${round}: no write committed within ${ROUND_TIMEOUT_MS} ms`);
  return doneAtMs - startMs;
}

/** All nodes up, one leader, every node applied what the leader committed. */
async function settled(cluster: Cluster): Promise<number> {
  const leader = await cluster.waitForLeader({ timeoutMs: ROUND_TIMEOUT_MS });
  await cluster.waitFor((statuses) => {
    const commit = statuses.find((s) => s.id === leader)?.commitIndex ?? Infinity;
    return statuses.every((s) => s.up && s.appliedIndex >= commit);
  }, { timeoutMs: ROUND_TIMEOUT_MS });
  return cluster.waitForLeader({ timeoutMs: ROUND_TIMEOUT_MS });
}

export async function benchFailover(timing: TimingName, kills: number, onProgress: (line: string) => void = () => {}): Promise<FailoverResult> {
  const cluster = await startCluster({ nodes: 3, timing, fsync: 'always', seed: 1, logLevel: 'error' });
  const samplesMs: number[] = [];
  try {
    for (let round = 0; round < kills; round++) {
      const leader = await settled(cluster);
      const probes = cluster.nodeIds.filter((id) => id !== leader).map((id) => new Probe(cluster.endpoints(id).redis));
      // Connected and answering before the kill, so connection setup is not counted.
      for (const probe of probes) await probe.send(['PING'], 5000);
      const startMs = performance.now();
      await cluster.crash(leader);
      try {
        samplesMs.push(await firstCommittedWriteMs(probes, round, startMs));
      } finally {
        for (const probe of probes) probe.close();
      }
      await cluster.restart(leader);
      onProgress(`failover ${timing} ${round + 1}/${kills}: ${samplesMs.at(-1)?.toFixed(0)} ms`);
    }
  } finally {
    await cluster.stop();
  }
  return { timing, kills, samplesMs };
}
