/** Test helper: a raw TCP client that sends bytes and waits (bounded) for parsed replies or close. */
import * as net from 'node:net';
import { fromUtf8, RespReplyParser, utf8, type RespValue } from '../../../src/lib/resp/index.js';

export class RawClient {
  readonly replies: RespValue[] = [];
  closed = false;
  private readonly socket: net.Socket;
  private readonly parser = new RespReplyParser();
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      for (let step = this.parser.next(); step.kind === 'value'; step = this.parser.next()) this.replies.push(step.value);
      this.notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? utf8(data) : data);
  }

  /** Waits until `count` replies arrived in total; fails after `deadlineMs`. */
  async waitReplies(count: number, deadlineMs = 5_000): Promise<RespValue[]> {
    await this.waitUntil(() => this.replies.length >= count, `${count} replies (got ${this.replies.length})`, deadlineMs);
    return this.replies.slice(0, count);
  }

  async waitClosed(deadlineMs = 5_000): Promise<void> {
    await this.waitUntil(() => this.closed, 'the server to close the connection', deadlineMs);
  }

  /** Sends one command and returns its reply. */
  async call(...args: string[]): Promise<RespValue> {
    const before = this.replies.length;
    this.send(`*${args.length}\r\n${args.map((a) => `$${utf8(a).length}\r\n${a}\r\n`).join('')}`);
    return (await this.waitReplies(before + 1))[before] as RespValue;
  }

  close(): void {
    this.socket.destroy();
  }

  private waitUntil(done: () => boolean, what: string, deadlineMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), deadlineMs);
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A reply as a compact string for assertions: +OK, -ERR ..., :1, "bulk", nil, [a, b]. */
export function show(value: RespValue): string {
  switch (value.type) {
    case 'simple':
      return `+${value.value}`;
    case 'error':
      return `-${value.message}`;
    case 'integer':
      return `:${value.value}`;
    case 'bulk':
      return JSON.stringify(fromUtf8(value.value));
    case 'null':
      return 'nil';
    case 'array':
      return `[${value.items.map(show).join(', ')}]`;
    case 'map':
      return `{${value.entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
    case 'double':
      return `,${value.value}`;
    case 'boolean':
      return `#${value.value}`;
  }
}
