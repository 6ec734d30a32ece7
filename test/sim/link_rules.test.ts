import { describe, it, expect } from 'vitest';
import { Prng } from '../../src/lib/prng.js';
import { LinkRules } from '../../src/transport/link_rules.js';

const members = [1, 2, 3, 4, 5];

function rules(seed = 1): LinkRules {
  return new LinkRules(members, new Prng(seed));
}

describe('LinkRules cuts', () => {
  it('delivers immediately on a healthy link', () => {
    expect(rules().route(1, 2, 100)).toEqual([100]);
  });

  it('partitions into groups and cuts unlisted members off alone', () => {
    const r = rules();
    r.partition([
      [1, 2],
      [3, 4],
    ]);
    expect(r.canReach(1, 2)).toBe(true);
    expect(r.canReach(3, 4)).toBe(true);
    expect(r.canReach(1, 3)).toBe(false);
    expect(r.canReach(4, 2)).toBe(false);
    for (const other of [1, 2, 3, 4]) {
      expect(r.canReach(5, other)).toBe(false);
      expect(r.canReach(other, 5)).toBe(false);
    }
    expect(r.route(1, 3, 0)).toEqual([]);
  });

  it('refuses a node listed in two groups', () => {
    expect(() => rules().partition([[1, 2], [2, 3]])).toThrow(/more than one/);
  });

  it('cuts one direction only', () => {
    const r = rules();
    r.partitionOneWay(1, 2);
    expect(r.canReach(1, 2)).toBe(false);
    expect(r.canReach(2, 1)).toBe(true);
  });

  it('isolates a node both ways and heal removes every cut', () => {
    const r = rules();
    r.isolate(3);
    expect(r.canReach(3, 1)).toBe(false);
    expect(r.canReach(5, 3)).toBe(false);
    expect(r.canReach(1, 5)).toBe(true);
    r.heal();
    expect(r.state().cuts).toEqual([]);
    expect(r.canReach(3, 1)).toBe(true);
  });
});

describe('LinkRules link settings', () => {
  it('applies delay in both directions and keeps it across heal', () => {
    const r = rules();
    r.setLink(1, 2, { delayMs: 30 });
    r.heal();
    expect(r.route(1, 2, 0)).toEqual([30]);
    expect(r.route(2, 1, 5)).toEqual([35]);
    expect(r.route(1, 3, 0)).toEqual([0]);
    r.resetLinks();
    expect(r.route(1, 2, 100)).toEqual([100]);
  });

  it('keeps FIFO order per link under jitter unless reorder is set', () => {
    const seed = 42;
    const r = rules(seed);
    r.setLink(1, 2, { delayMs: 5, jitterMs: 50 });
    let last = -1;
    for (let t = 0; t < 500; t++) {
      const [time] = r.route(1, 2, t);
      expect(time, `seed ${seed}`).toBeGreaterThanOrEqual(last);
      last = time ?? last;
    }
    r.setLink(1, 2, { reorder: true });
    const times = Array.from({ length: 200 }, (_, t) => r.route(1, 2, 1000 + t)[0] ?? 0);
    const overtakes = times.filter((time, i) => i > 0 && time < (times[i - 1] ?? 0)).length;
    expect(overtakes, `seed ${seed}`).toBeGreaterThan(0);
  });

  it('drops and duplicates at roughly the configured rates', () => {
    const seed = 7;
    const r = rules(seed);
    r.setLink(1, 2, { lossRate: 0.3, duplicateRate: 0.2 });
    let dropped = 0;
    let doubled = 0;
    const sends = 10_000;
    for (let i = 0; i < sends; i++) {
      const copies = r.route(1, 2, i).length;
      if (copies === 0) dropped++;
      if (copies === 2) doubled++;
    }
    expect(dropped / sends, `seed ${seed}`).toBeGreaterThan(0.27);
    expect(dropped / sends, `seed ${seed}`).toBeLessThan(0.33);
    // Duplication is drawn only for messages that were not lost.
    expect(doubled / (sends - dropped), `seed ${seed}`).toBeGreaterThan(0.17);
    expect(doubled / (sends - dropped), `seed ${seed}`).toBeLessThan(0.23);
  });

  it('refuses invalid settings with a clear error and keeps the old ones', () => {
    const r = rules();
    r.setLink(1, 2, { delayMs: 10 });
    expect(() => r.setLink(1, 2, { lossRate: 1.5 })).toThrow(/lossRate/);
    expect(() => r.setLink(1, 2, { delayMs: -1 })).toThrow(/delayMs/);
    expect(r.linkSettings(1, 2).delayMs).toBe(10);
    expect(r.linkSettings(1, 2).lossRate).toBe(0);
  });

  it('bounds delay and jitter at one hour, also in a pushed state', () => {
    const r = rules();
    r.setLink(1, 2, { delayMs: 3_600_000, jitterMs: 3_600_000 });
    expect(() => r.setLink(1, 5, { delayMs: 3_000_000_000 })).toThrow('delayMs must be at most 3600000 ms (one hour), got 3000000000');
    expect(() => r.setLink(1, 2, { jitterMs: 3_600_001 })).toThrow('jitterMs must be at most 3600000 ms (one hour), got 3600001');
    const state = r.state();
    const tooLong = { ...state, links: state.links.map((link) => ({ ...link, settings: { ...link.settings, delayMs: 2 ** 31 } })) };
    expect(() => rules().setState(tooLong)).toThrow(/delayMs must be at most 3600000 ms/);
    expect(r.linkSettings(1, 2).delayMs).toBe(3_600_000);
  });

  it('re-times a held copy to the rules as they are now, and its FIFO tails alike', () => {
    const r = rules();
    r.setLink(1, 2, { delayMs: 100_000 });
    expect(r.route(1, 2, 10)).toEqual([100_010]);
    r.setLink(1, 2, { delayMs: 50, jitterMs: 20 });
    expect(r.retime(1, 2, 10, 100_010)).toBe(80);
    expect(r.retime(1, 2, 10, 40)).toBe(40);
    r.resetLinks();
    // The simulator re-times nothing it has queued, so its FIFO links keep new messages behind it.
    expect(r.route(1, 2, 20)).toEqual([100_010]);
    r.retimeFifoTails();
    expect(r.route(1, 2, 30)).toEqual([30]);
    r.partitionOneWay(1, 2);
    expect(r.retime(1, 2, 10, 40)).toBeNull();
    expect(r.retime(2, 1, 10, 40)).toBe(10);
  });

  it('round-trips its state into another instance', () => {
    const a = rules();
    a.partitionOneWay(4, 5);
    a.setLink(2, 3, { delayMs: 12, duplicateRate: 0.5 });
    const b = rules(99);
    b.isolate(1);
    b.setState(a.state());
    expect(b.state()).toEqual(a.state());
    expect(b.canReach(1, 2)).toBe(true);
    expect(b.canReach(4, 5)).toBe(false);
    expect(b.linkSettings(3, 2).delayMs).toBe(12);
  });

  it('gives the same fates for the same seed', () => {
    const fates = (seed: number): number[][] => {
      const r = rules(seed);
      r.setLink(1, 2, { lossRate: 0.2, jitterMs: 10, duplicateRate: 0.1, reorder: true });
      return Array.from({ length: 50 }, (_, t) => r.route(1, 2, t));
    };
    expect(fates(3)).toEqual(fates(3));
    expect(fates(3)).not.toEqual(fates(4));
  });
});
