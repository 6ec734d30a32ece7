/**
 * Test helper: a raw TCP client for the HTTP port that sends exact bytes and reads responses off
 * the wire (status, headers, body by content-length), waiting on socket events with deadlines.
 */
import * as net from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

const WAIT_MS = 5_000;

export class RawClient {
  readonly socket: net.Socket;
  /** Bytes received are received[consumed, length): grown by doubling, so big answers cost linear copying. */
  private received = Buffer.alloc(0);
  private length = 0;
  private consumed = 0;
  private ended = false;
  private readonly listeners = new Set<() => void>();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.append(chunk);
      this.notify();
    });
    socket.on('error', () => {}); // a reset shows as 'close'
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes received and not yet taken as responses. */
  get unread(): string {
    return this.received.toString('latin1', this.consumed, this.length);
  }

  send(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Resolves once the peer closed the connection. */
  whenClosed(timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor('the connection to close', () => this.ended, timeoutMs);
  }

  /** The next `count` responses; `headOnly` marks answers to HEAD, which carry no body. */
  async responses(count: number, options: { headOnly?: boolean; timeoutMs?: number } = {}): Promise<RawResponse[]> {
    const out: RawResponse[] = [];
    await this.waitFor(`${count} responses`, () => {
      while (out.length < count) {
        const next = this.take(options.headOnly ?? false);
        if (next === null) break;
        out.push(next);
      }
      return out.length >= count;
    }, options.timeoutMs ?? WAIT_MS);
    return out;
  }

  async response(options: { headOnly?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    return (await this.responses(1, options))[0] as RawResponse;
  }

  /** Resolves once the received bytes (not yet taken) satisfy the test. */
  whenReceived(test: (text: string) => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor(what, () => test(this.unread), timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private append(chunk: Buffer): void {
    const unread = this.length - this.consumed;
    if (this.length + chunk.length > this.received.length) {
      const grown = Buffer.alloc(Math.max(2 * (unread + chunk.length), 64 * 1024));
      this.received.copy(grown, 0, this.consumed, this.length);
      this.received = grown;
      this.consumed = 0;
      this.length = unread;
    }
    chunk.copy(this.received, this.length);
    this.length += chunk.length;
  }

  private take(headOnly: boolean): RawResponse | null {
    const headEnd = this.received.subarray(0, this.length).indexOf('\r\n\r\n', this.consumed, 'latin1');
    if (headEnd === -1) return null;
    const lines = this.received.toString('latin1', this.consumed, headEnd).split('\r\n');
    const status = Number((lines[0] ?? '').split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = headOnly || status === 100 ? 0 : Number(headers['content-length'] ?? 0);
    if (this.length < headEnd + 4 + length) return null;
    const body = this.received.toString('utf8', headEnd + 4, headEnd + 4 + length);
    this.consumed = headEnd + 4 + length;
    return { status, headers, body };
  }

  private waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) {
          if (this.ended) finish(new Error(`connection closed while waiting for ${what}; unread: ${JSON.stringify(this.unread.slice(0, 300))}`));
          return;
        }
        finish(null);
      };
      const timer = setTimeout(() => finish(new Error(`no ${what} within ${timeoutMs} ms; unread: ${JSON.stringify(this.unread.slice(0, 300))}`)), timeoutMs);
      const finish = (error: Error | null): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error === null) resolve();
        else reject(error);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** A request as bytes: method, path, extra header lines, body (content-length added when given). */
export function request(method: string, path: string, options: { headers?: string[]; body?: string; version?: string } = {}): string {
  const lines = [`${method} ${path} ${options.version ?? 'HTTP/1.1'}`, 'Host: test', ...(options.headers ?? [])];
  if (options.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(options.body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`;
}
