import { describe, expect, it } from 'vitest';
import { FifoQueue } from '../../src/lib/fifo_queue.js';

describe('FifoQueue', () => {
  it('gives items back in order across the compactions of a long run, and puts items back at the front', () => {
    const queue = new FifoQueue<number>();
    const out: number[] = [];
    let next = 0;
    // Pushes outpace shifts, so the front index passes the compaction point many times.
    for (let round = 0; round < 5_000; round++) {
      queue.push(next++);
      queue.push(next++);
      out.push(queue.shift() as number);
    }
    expect(queue.size).toBe(5_000);
    expect(queue.peek()).toBe(5_000);
    expect(queue.last()).toBe(9_999);
    queue.unshiftAll([-2, -1]);
    expect(queue.shift()).toBe(-2);
    expect(queue.shift()).toBe(-1);
    while (queue.size > 0) out.push(queue.shift() as number);
    expect(out).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
    expect(queue.last()).toBeUndefined();
  });

  it('takeAll empties the queue and returns what was left, front first', () => {
    const queue = new FifoQueue<string>();
    for (const item of ['a', 'b', 'c']) queue.push(item);
    queue.shift();
    expect(queue.takeAll()).toEqual(['b', 'c']);
    expect(queue.size).toBe(0);
    queue.push('d');
    expect(queue.shift()).toBe('d');
  });
});
