/**
 * Pausing a node in the emulator stands for a stopped process (SIGSTOP, a long GC pause): it
 * neither sends nor hears anything. Messages that arrive meanwhile are dropped, as a peer's
 * retries make up for them, the same as a network that lost them.
 */
import type { Message } from '../core/types.js';
import type { Transport } from '../ports/transport.js';

export class PausableTransport implements Transport {
  paused = false;
  private readonly inner: Transport;

  constructor(inner: Transport) {
    this.inner = inner;
  }

  send(messages: readonly Message[]): void {
    if (!this.paused) this.inner.send(messages);
  }

  onMessage(handler: (message: Message) => void): void {
    this.inner.onMessage((message) => {
      if (!this.paused) handler(message);
    });
  }

  close(): void {
    this.inner.close();
  }
}
