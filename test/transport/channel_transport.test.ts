import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { describe, it, expect } from 'vitest';
import type { Message } from '../../src/core/types.js';
import type { Logger } from '../../src/ports/logger.js';
import { ChannelTransport, type PeerPort } from '../../src/transport/channel_transport.js';
import { decodeFrame, encodeFrame } from '../../src/transport/codec.js';
import { waitUntilReal } from './wait.js';

/** A port that records what is posted, and lets the test play the other side. */
class FakePort extends EventEmitter implements PeerPort {
  readonly posted: unknown[] = [];
  closed = false;
  postMessage(value: unknown): void {
    this.posted.push(value);
  }
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

const heartbeat = (from: number, to: number, readSeq: number): Message => ({ type: 'heartbeat', from, to, term: 1, commit: 0, readSeq });

/** The messages inside one posted value (a frame by default). */
function unpack(value: unknown): Message[] {
  if (!(value instanceof Uint8Array)) throw new Error('expected a frame');
  const decoded = decodeFrame(value);
  if (!decoded.ok || decoded.frame.kind !== 'batch') throw new Error('expected a batch frame');
  return decoded.frame.messages;
}

describe('ChannelTransport', () => {
  it('posts one message per peer per send(), however many Raft messages it carries', () => {
    const two = new FakePort();
    const three = new FakePort();
    const transport = new ChannelTransport({ self: 1, peers: [[2, two], [3, three]] });
    const batch: Message[] = [];
    for (let i = 0; i < 100; i++) batch.push(heartbeat(1, 2, i), heartbeat(1, 3, i));
    transport.send(batch);
    expect(two.posted).toHaveLength(1);
    expect(three.posted).toHaveLength(1);
    expect(unpack(two.posted[0])).toEqual(batch.filter((m) => m.to === 2));
    transport.close();
    expect(two.closed && three.closed).toBe(true);
  });

  it('can post plain message arrays instead of frames, and understands both on receipt', () => {
    const port = new FakePort();
    const transport = new ChannelTransport({ self: 1, peers: [[2, port]], encoding: 'clone' });
    transport.send([heartbeat(1, 2, 1), heartbeat(1, 2, 2)]);
    expect(port.posted).toEqual([[heartbeat(1, 2, 1), heartbeat(1, 2, 2)]]);
    const received: Message[] = [];
    transport.onMessage((m) => received.push(m));
    port.emit('message', [heartbeat(2, 1, 3)]);
    port.emit('message', encodeFrame([heartbeat(2, 1, 4)]));
    expect(received).toEqual([heartbeat(2, 1, 3), heartbeat(2, 1, 4)]);
  });

  it('drops malformed values and misrouted messages, logging the malformed ones', () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (_fields, message) => warnings.push(message) };
    const port = new FakePort();
    const transport = new ChannelTransport({ self: 1, peers: [[2, port]], logger });
    const received: Message[] = [];
    transport.onMessage((m) => received.push(m));
    port.emit('message', 'PING');
    port.emit('message', [{ type: 'explode', from: 2, to: 1, term: 1 }, { type: 'append', from: 2, to: 1, term: 1, prevLogIndex: 0, prevLogTerm: 0, commit: 0, entries: 'x' }]);
    port.emit('message', [heartbeat(2, 3, 1), heartbeat(2, 1, 2)]);
    port.emit('message', new TextEncoder().encode('PING\r\n'));
    port.emit('message', encodeFrame([heartbeat(2, 3, 3), heartbeat(2, 1, 4)]));
    expect(received).toEqual([heartbeat(2, 1, 2), heartbeat(2, 1, 4)]);
    expect(warnings).toHaveLength(4);
  });

  it('re-attaching a peer replaces its port (a restarted worker gets a fresh channel)', async () => {
    const old = new MessageChannel();
    const transport = new ChannelTransport({ self: 1, peers: [[2, old.port1]] });
    const fresh = new MessageChannel();
    transport.attachPeer(2, fresh.port1);
    const got: unknown[] = [];
    fresh.port2.on('message', (value) => got.push(value));
    transport.send([heartbeat(1, 2, 7)]);
    expect(await waitUntilReal(() => got.length === 1, 10_000)).toBe(true);
    expect(unpack(got[0])).toEqual([heartbeat(1, 2, 7)]);
    transport.close();
    fresh.port2.close();
    old.port2.close();
  });

  it('drops messages to a peer whose channel the other side closed', () => {
    const port = new FakePort();
    const transport = new ChannelTransport({ self: 1, peers: [[2, port]] });
    port.emit('close');
    transport.send([heartbeat(1, 2, 1)]);
    expect(port.posted).toEqual([]);
  });
});
