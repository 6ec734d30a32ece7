import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import type { Message } from '../../src/core/types.js';
import { Prng } from '../../src/lib/prng.js';
import { LinkRules, type LinkRulesState } from '../../src/transport/link_rules.js';
import { RoutedSender } from '../../src/transport/routed_sender.js';
import { waitUntilReal } from './wait.js';

const heartbeat = (to: number, readSeq: number): Message => ({ type: 'heartbeat', from: 1, to, term: 1, commit: 0, readSeq });

function recorder(nowMs?: () => number): { sender: RoutedSender; deliveries: Array<[number, number[]]> } {
  const deliveries: Array<[number, number[]]> = [];
  const sender = new RoutedSender({
    self: 1,
    members: [1, 2, 3],
    seed: 1,
    nowMs,
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

/** Rules as the supervisor and the control plane push them: a whole state, built elsewhere. */
function pushed(configure: (rules: LinkRules) => void): LinkRulesState {
  const rules = new LinkRules([1, 2, 3], new Prng(5));
  configure(rules);
  return rules.state();
}

describe('RoutedSender after a rule change', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The sender's clock is the fake timers' clock. */
  const fakeClock = (): ReturnType<typeof recorder> => recorder(() => Date.now());

  it('hands over what a long delay holds as soon as the link is reset, in order, and new traffic at once', () => {
    const { sender, deliveries } = fakeClock();
    sender.setRules(pushed((rules) => rules.setLink(1, 2, { delayMs: 100_000 })));
    sender.send([heartbeat(2, 1)]);
    vi.advanceTimersByTime(10);
    sender.send([heartbeat(2, 2), heartbeat(3, 9)]);
    expect(deliveries).toEqual([[3, [9]]]);
    sender.setRules(pushed(() => {}));
    expect(deliveries).toEqual([[3, [9]], [2, [1, 2]]]);
    expect(sender.heldCount).toBe(0);
    sender.send([heartbeat(2, 3)]);
    expect(deliveries.at(-1)).toEqual([2, [3]]);
  });

  it('shortens what it holds to a lower delay, and does not postpone it for a higher one', () => {
    const { sender, deliveries } = fakeClock();
    sender.rules.setLink(1, 2, { delayMs: 100_000 });
    sender.send([heartbeat(2, 1)]);
    vi.advanceTimersByTime(1_000);
    sender.send([heartbeat(2, 2)]);
    sender.rules.setLink(1, 2, { delayMs: 5_000 }); // due 5 s after each was sent: at 5,000 and 6,000
    sender.rules.setLink(1, 2, { delayMs: 50_000 });
    vi.advanceTimersByTime(3_900);
    expect(deliveries).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(deliveries).toEqual([[2, [1]]]);
    vi.advanceTimersByTime(1_000);
    expect(deliveries).toEqual([[2, [1]], [2, [2]]]);
  });

  it('keeps a FIFO link in order when the delay and jitter it held messages under change', () => {
    const { sender, deliveries } = fakeClock();
    sender.rules.setLink(1, 2, { jitterMs: 10_000 });
    for (let seq = 0; seq < 30; seq++) {
      sender.send([heartbeat(2, seq)]);
      vi.advanceTimersByTime(1);
    }
    // Each is now due at the earlier of its old time and 9 s after it was sent: the first few keep theirs.
    sender.rules.setLink(1, 2, { delayMs: 9_000, jitterMs: 0 });
    sender.send([heartbeat(2, 30)]);
    const delivered = (): number[] => deliveries.flatMap(([, seqs]) => seqs);
    vi.advanceTimersByTime(8_920); // 8,950 ms: only some are due
    expect(delivered().length).toBeGreaterThan(0);
    expect(delivered().length).toBeLessThan(31);
    vi.advanceTimersByTime(80); // 9 s after the last was sent
    expect(delivered()).toEqual(Array.from({ length: 31 }, (_, seq) => seq));
    expect(sender.heldCount).toBe(0);
  });

  it('drops what it holds for a peer it is cut from, keeps the rest, and carries new traffic once healed', () => {
    const { sender, deliveries } = fakeClock();
    sender.rules.setLink(1, 2, { delayMs: 100_000 });
    sender.rules.setLink(1, 3, { delayMs: 100_000 });
    sender.send([heartbeat(2, 1), heartbeat(3, 2)]);
    sender.rules.partitionOneWay(1, 2);
    expect(sender.heldCount).toBe(1);
    sender.rules.heal();
    sender.rules.resetLinks();
    sender.send([heartbeat(2, 3)]);
    expect(deliveries).toEqual([[3, [2]], [2, [3]]]);
    vi.advanceTimersByTime(100_000);
    expect(deliveries).toEqual([[3, [2]], [2, [3]]]);
  });
});
