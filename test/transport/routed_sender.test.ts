import { describe, it, expect } from 'vitest';
import type { Message } from '../../src/core/types.js';
import { RoutedSender } from '../../src/transport/routed_sender.js';
import { waitUntilReal } from './wait.js';

const heartbeat = (to: number, readSeq: number): Message => ({ type: 'heartbeat', from: 1, to, term: 1, commit: 0, readSeq });

function recorder(): { sender: RoutedSender; deliveries: Array<[number, number[]]> } {
  const deliveries: Array<[number, number[]]> = [];
  const sender = new RoutedSender({
    self: 1,
    members: [1, 2, 3],
    seed: 1,
    deliver: (peer, batch) => deliveries.push([peer, batch.map((m) => (m.type === 'heartbeat' ? m.readSeq : -1))]),
  });
  return { sender, deliveries };
}

describe('RoutedSender', () => {
  it('hands over one batch per peer per send on healthy links, synchronously', () => {
    const { sender, deliveries } = recorder();
    sender.send([heartbeat(2, 1), heartbeat(3, 2), heartbeat(2, 3)]);
    expect(deliveries).toEqual([
      [2, [1, 3]],
      [3, [2]],
    ]);
  });

  it('releases delayed messages together, in order, and holds nothing afterwards', async () => {
    const { sender, deliveries } = recorder();
    sender.rules.setLink(1, 2, { delayMs: 30 });
    sender.send([heartbeat(2, 1), heartbeat(2, 2), heartbeat(3, 9)]);
    expect(deliveries).toEqual([[3, [9]]]);
    expect(sender.heldCount).toBe(2);
    expect(await waitUntilReal(() => deliveries.length === 2, 10_000)).toBe(true);
    expect(deliveries[1]).toEqual([2, [1, 2]]);
    expect(sender.heldCount).toBe(0);
  });

  it('cancels held messages and their timers on close', async () => {
    const { sender, deliveries } = recorder();
    sender.rules.setLink(1, 2, { delayMs: 20 });
    sender.send([heartbeat(2, 1)]);
    sender.close();
    sender.send([heartbeat(3, 2)]);
    expect(sender.heldCount).toBe(0);
    // A second sender with the same delay shows when the first would have delivered.
    const probe = recorder();
    probe.sender.rules.setLink(1, 2, { delayMs: 20 });
    probe.sender.send([heartbeat(2, 1)]);
    expect(await waitUntilReal(() => probe.deliveries.length === 1, 10_000)).toBe(true);
    expect(deliveries).toEqual([]);
  });
});
