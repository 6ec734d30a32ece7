/**
 * Pausing a node in the emulator stands for a stopped process (SIGSTOP, a long GC pause): it
 * neither sends nor hears anything. Messages that arrive meanwhile are dropped, as a peer's
 * retries make up for them, the same as a network that lost them.
 *
 * A paused node still finishes the disk syncs it started (the kernel does that for a stopped
 * process too), and the messages that waited on them (acknowledgements, votes) are held here and
 * sent on resume, in order: a stopped process sends them once it runs again, not never.
 */
import type { Message } from '../core/types.js';
import type { Transport } from '../ports/transport.js';

export class PausableTransport implements Transport {
  private pausedState = false;
  private held: Array<readonly Message[]> = [];
  private readonly inner: Transport;

  constructor(inner: Transport) {
    this.inner = inner;
  }

  get paused(): boolean {
    return this.pausedState;
  }

  pause(): void {
    this.pausedState = true;
  }

  /** Sends what was held while paused, then carries on. */
  resume(): void {
    this.pausedState = false;
    const held = this.held;
    this.held = [];
    for (const messages of held) this.inner.send(messages);
  }

  send(messages: readonly Message[]): void {
    if (this.pausedState) this.held.push(messages);
    else this.inner.send(messages);
  }

  onMessage(handler: (message: Message) => void): void {
    this.inner.onMessage((message) => {
      if (!this.pausedState) handler(message);
    });
  }

  close(): void {
    this.held = [];
    this.inner.close();
  }
}
