/**
 * A paused node stands for a stopped process: what arrives is lost, and what it sends (only
 * messages released by a disk sync that finished during the pause) leaves on resume, in order.
 */
import { describe, it, expect } from 'vitest';
import type { Message } from '../../src/core/types.js';
import type { Transport } from '../../src/ports/transport.js';
import { PausableTransport } from '../../src/runtime/pausable_transport.js';

class RecordingTransport implements Transport {
  readonly sent: Message[][] = [];
  handler: ((message: Message) => void) | null = null;
  send(messages: readonly Message[]): void {
    this.sent.push([...messages]);
  }
  onMessage(handler: (message: Message) => void): void {
    this.handler = handler;
  }
  close(): void {}
}

const heartbeat = (term: number): Message => ({ type: 'heartbeat-response', from: 1, to: 2, term, readSeq: 0, lastLogIndex: 0, lastLogTerm: 0 });

describe('PausableTransport', () => {
  it('holds what a paused node sends and sends it, in order, on resume', () => {
    const inner = new RecordingTransport();
    const transport = new PausableTransport(inner);
    transport.send([heartbeat(1)]);
    transport.pause();
    transport.send([heartbeat(2)]);
    transport.send([heartbeat(3), heartbeat(4)]);
    expect(inner.sent).toEqual([[heartbeat(1)]]);
    transport.resume();
    expect(inner.sent).toEqual([[heartbeat(1)], [heartbeat(2)], [heartbeat(3), heartbeat(4)]]);
    transport.send([heartbeat(5)]);
    expect(inner.sent.at(-1)).toEqual([heartbeat(5)]);
  });

  it('drops what arrives while paused', () => {
    const inner = new RecordingTransport();
    const transport = new PausableTransport(inner);
    const heard: Message[] = [];
    transport.onMessage((message) => heard.push(message));
    transport.pause();
    inner.handler?.(heartbeat(1));
    transport.resume();
    inner.handler?.(heartbeat(2));
    expect(heard).toEqual([heartbeat(2)]);
  });

  it('sends nothing held once closed', () => {
    const inner = new RecordingTransport();
    const transport = new PausableTransport(inner);
    transport.pause();
    transport.send([heartbeat(1)]);
    transport.close();
    transport.resume();
    expect(inner.sent).toEqual([]);
  });
});
