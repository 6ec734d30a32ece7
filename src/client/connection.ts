/**
 * One TCP connection to one node's RESP port (the only node:net user in the client). Requests are
 * pipelined: each send() queues a command, commands sent in the same turn of the event loop leave
 * in one write, and replies are matched to requests in order (RESP answers in order).
 *
 * A connection is single-use: once closed (refused, reset, protocol error, destroy()) every
 * pending request fails with a ConnectionError and the pool opens a new one on the next send.
 */
import { Socket } from 'node:net';
import { RespReplyParser, RespWriter, type RespValue } from '../lib/resp/index.js';
import { ConnectionError } from './errors.js';
import type { NodeAddress } from './address.js';

export type ReplyCallback = (outcome: { ok: true; value: RespValue } | { ok: false; error: ConnectionError }) => void;

export interface ConnectionOptions {
  address: NodeAddress;
  connectTimeoutMs: number;
  /** Commands sent first on this connection (e.g. READONLY); an error reply to one closes it. */
  setup?: ReadonlyArray<ReadonlyArray<string>>;
  /** Called once when the connection closes for any reason. */
  onClose?: (connection: Connection) => void;
}

export class Connection {
  readonly address: NodeAddress;
  /** Session id this connection has announced to the server (kept by the session layer). */
  announcedSession: string | null = null;
  private readonly socket: Socket;
  private readonly parser = new RespReplyParser();
  private readonly writer = new RespWriter();
  /** Callbacks of requests awaiting replies, oldest at `waitingHead` (shift() is O(n) on big arrays). */
  private waiting: ReplyCallback[] = [];
  private waitingHead = 0;
  private readonly onClose: ((connection: Connection) => void) | undefined;
  private connected = false;
  private closedWith: ConnectionError | null = null;
  private flushScheduled = false;
  private connectTimer: ReturnType<typeof setTimeout> | null;
  private lastActivityMs = Date.now();

  constructor(options: ConnectionOptions) {
    this.address = options.address;
    this.onClose = options.onClose;
    this.socket = new Socket();
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.handleConnect());
    this.socket.on('data', (chunk: Buffer) => this.handleData(chunk));
    this.socket.on('error', (error: Error) => this.fail(`${this.address.key}: ${error.message}`));
    this.socket.on('close', () => this.fail(`${this.address.key}: connection closed`));
    this.connectTimer = setTimeout(
      () => this.fail(`${this.address.key}: connect timed out after ${options.connectTimeoutMs} ms`),
      options.connectTimeoutMs,
    );
    this.socket.connect({ host: this.address.host, port: this.address.port });
    for (const command of options.setup ?? []) {
      this.send(command, (outcome) => {
        if (outcome.ok && outcome.value.type === 'error') {
          this.fail(`${this.address.key}: ${command.join(' ')} refused: ${outcome.value.message}`);
        }
      });
    }
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Requests sent (or queued) whose replies have not arrived. */
  get pendingCount(): number {
    return this.waiting.length - this.waitingHead;
  }

  /** True when replies are owed and nothing has arrived for `quietMs`: the node looks stuck. */
  stalledFor(quietMs: number): boolean {
    return this.pendingCount > 0 && Date.now() - this.lastActivityMs >= quietMs;
  }

  send(args: ReadonlyArray<string | Uint8Array>, callback: ReplyCallback): void {
    if (this.closedWith !== null) {
      const error = this.closedWith;
      queueMicrotask(() => callback({ ok: false, error }));
      return;
    }
    if (this.pendingCount === 0) this.lastActivityMs = Date.now();
    this.writer.command(args);
    this.waiting.push(callback);
    this.scheduleFlush();
  }

  destroy(reason: string): void {
    this.fail(reason);
  }

  private handleConnect(): void {
    this.connected = true;
    this.lastActivityMs = Date.now();
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.flush();
  }

  private handleData(chunk: Buffer): void {
    this.lastActivityMs = Date.now();
    this.parser.push(chunk);
    for (;;) {
      const step = this.parser.next();
      if (step.kind === 'incomplete') return;
      if (step.kind === 'error') {
        this.fail(`${this.address.key}: ${step.message}`);
        return;
      }
      const callback = this.waiting[this.waitingHead];
      if (callback === undefined) {
        this.fail(`${this.address.key}: reply without a request`);
        return;
      }
      this.waiting[this.waitingHead++] = noCallback;
      if (this.waitingHead === this.waiting.length || (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length)) {
        this.waiting = this.waiting.slice(this.waitingHead);
        this.waitingHead = 0;
      }
      callback({ ok: true, value: step.value });
    }
  }

  // Coalesce the commands of one event-loop turn into one write: that is what pipelining buys.
  private scheduleFlush(): void {
    if (this.flushScheduled || !this.connected) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closedWith !== null || this.writer.size === 0) return;
    this.socket.write(this.writer.take());
  }

  private fail(reason: string): void {
    if (this.closedWith !== null) return;
    this.closedWith = new ConnectionError(reason);
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.socket.destroy();
    const callbacks = this.waiting.slice(this.waitingHead);
    this.waiting = [];
    this.waitingHead = 0;
    for (const callback of callbacks) callback({ ok: false, error: this.closedWith });
    this.onClose?.(this);
  }
}

function noCallback(): void {}
