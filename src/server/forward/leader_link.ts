/**
 * One pooled, pipelined RESP connection from a follower to the leader's client port, used to
 * forward requests. Requests are written back to back; replies come back in order. The only dialer
 * of node:net under src/server (resp_server.ts listens).
 */
import * as net from 'node:net';
import { FifoQueue } from '../../lib/fifo_queue.js';
import { RespReplyParser } from '../../lib/resp/reply_parser.js';
import type { RespValue } from '../../lib/resp/resp_types.js';
import { encodeCommand } from '../../lib/resp/writer.js';
import type { RunningClock } from '../node_pause.js';

/** Forwarded requests awaiting a reply on one link; more are refused at once (retryable). */
export const FORWARD_PENDING_MAX = 10_000;

/**
 * `sent: false` means the request never left this node (nothing applied: safe to retry anywhere);
 * `sent: true` means it may have reached the leader (a write's outcome is unknown).
 */
export type LinkReply = { kind: 'reply'; value: RespValue } | { kind: 'failed'; sent: boolean; reason: string };

interface Pending {
  settle: (reply: LinkReply) => void;
  timer: { cancel(): void };
}

export class LeaderLink {
  readonly address: string;
  /** Times the replies: a node paused while it waits is not a leader that failed to answer. */
  private readonly clock: RunningClock;
  private readonly socket: net.Socket;
  private readonly parser = new RespReplyParser();
  private readonly pending = new FifoQueue<Pending>();
  private connected = false;
  private brokenReason: string | null = null;

  constructor(address: string, clock: RunningClock) {
    this.address = address;
    this.clock = clock;
    const { host, port } = splitAddress(address);
    this.socket = net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => (this.connected = true));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.fail(error.message));
    this.socket.on('close', () => this.fail('connection closed'));
  }

  /** False once the connection failed; the pool then opens a new one. */
  get usable(): boolean {
    return this.brokenReason === null;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  send(args: ReadonlyArray<string | Uint8Array>, timeoutMs: number): Promise<LinkReply> {
    if (this.brokenReason !== null) return Promise.resolve({ kind: 'failed', sent: false, reason: this.brokenReason });
    if (this.inFlight >= FORWARD_PENDING_MAX) {
      return Promise.resolve({ kind: 'failed', sent: false, reason: `too many forwarded requests in flight (limit ${FORWARD_PENDING_MAX})` });
    }
    return new Promise((resolve) => {
      const entry: Pending = {
        settle: resolve,
        timer: this.clock.after(timeoutMs, () => {
          // A leader that does not answer in time is hung or paused: drop this link (failing what
          // is in flight, outcome unknown) so the pool dials a fresh one, rather than let silent
          // requests pile up on it.
          this.fail(`no reply from the leader within ${timeoutMs} ms`);
          this.socket.destroy();
        }),
      };
      this.pending.push(entry);
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.fail('forwarding link closed');
    this.socket.destroy();
  }

  private onData(chunk: Uint8Array): void {
    this.parser.push(chunk);
    for (;;) {
      const step = this.parser.next();
      if (step.kind === 'incomplete') break;
      if (step.kind === 'error') {
        this.fail(`bad reply from the leader: ${step.message}`);
        this.socket.destroy();
        return;
      }
      const entry = this.pending.shift();
      if (entry === undefined) {
        this.fail('reply without a request');
        this.socket.destroy();
        return;
      }
      entry.timer.cancel();
      entry.settle({ kind: 'reply', value: step.value });
    }
  }

  private fail(reason: string): void {
    if (this.brokenReason !== null) return;
    this.brokenReason = reason;
    // Bytes written before the connection came up never left; later ones may have arrived.
    const sent = this.connected;
    for (const entry of this.pending.takeAll()) {
      entry.timer.cancel();
      entry.settle({ kind: 'failed', sent, reason: `forwarding to ${this.address} failed: ${reason}` });
    }
  }
}

/** `host:port` or `[v6]:port`. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '127.0.0.1' : host, port: Number(address.slice(colon + 1)) };
}
