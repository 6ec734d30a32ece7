/**
 * The send side shared by the MessagePort and TCP transports: asks the link rules what happens to
 * each message, hands copies due now to the transport as one batch per peer, and holds delayed
 * copies in a per-peer queue ordered by delivery time with a single timer per peer. The queue,
 * not the timer wheel, decides the order, so a FIFO link stays FIFO whatever the timers do. When
 * the rules change, held copies are re-timed to them (see retimeHeld), so none waits out a delay
 * that no longer applies.
 */
import type { Message, NodeId } from '../core/types.js';
import { Prng } from '../lib/prng.js';
import { LinkRules, type LinkRulesState } from './link_rules.js';

/** Node's timers run on a millisecond clock that may lag a sub-ms clock: deliver what is this close. */
const DUE_TOLERANCE_MS = 1;
/**
 * The longest wait a Node timer takes (a longer one fires after 1 ms, again and again). Link
 * settings keep delivery times far below it; the clamp makes that hold here whatever they say:
 * a timer that fires early finds nothing due and waits again.
 */
const TIMER_WAIT_MAX_MS = 2 ** 31 - 1;

export interface RoutedSenderOptions {
  self: NodeId;
  /** Every node of the cluster (used by partition/isolate called on `rules` directly). */
  members: readonly NodeId[];
  /** Seed of the link rules' random draws (loss, duplication, jitter). */
  seed: number;
  /** A monotonic clock in ms; defaults to performance.now(). */
  nowMs?: () => number;
  /** Hands one batch for one peer to the wire; called synchronously from send() or from a timer. */
  deliver: (peer: NodeId, batch: Message[]) => void;
}

interface Held {
  sentMs: number;
  atMs: number;
  message: Message;
}

interface PeerQueue {
  held: Held[];
  timer: ReturnType<typeof setTimeout> | null;
}

export class RoutedSender {
  readonly rules: LinkRules;
  private readonly self: NodeId;
  private readonly nowMs: () => number;
  private readonly deliver: (peer: NodeId, batch: Message[]) => void;
  private readonly queues = new Map<NodeId, PeerQueue>();
  private closed = false;

  constructor(options: RoutedSenderOptions) {
    this.self = options.self;
    this.rules = new LinkRules([...options.members], new Prng(options.seed));
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.deliver = options.deliver;
    this.rules.setChangeListener(() => this.retimeHeld());
  }

  /** Groups the batch per peer: at most one deliver() per peer for everything due now. */
  send(messages: readonly Message[]): void {
    if (this.closed) return;
    const now = this.nowMs();
    const dueNow = new Map<NodeId, Message[]>();
    for (const message of messages) {
      for (const atMs of this.rules.route(this.self, message.to, now)) {
        if (atMs <= now) {
          const batch = dueNow.get(message.to);
          if (batch === undefined) dueNow.set(message.to, [message]);
          else batch.push(message);
        } else {
          this.hold(message.to, now, atMs, message);
        }
      }
    }
    for (const [peer, batch] of dueNow) this.deliver(peer, batch);
  }

  setRules(state: LinkRulesState): void {
    this.rules.setState(state);
  }

  /** Drops everything held and cancels every timer; later sends are ignored. */
  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) if (queue.timer !== null) clearTimeout(queue.timer);
    this.queues.clear();
  }

  /** Messages held back by delays, across peers (for status and tests). */
  get heldCount(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.held.length;
    return count;
  }

  private hold(peer: NodeId, sentMs: number, atMs: number, message: Message): void {
    let queue = this.queues.get(peer);
    if (queue === undefined) {
      queue = { held: [], timer: null };
      this.queues.set(peer, queue);
    }
    const held = queue.held;
    // Stable insert after equal times; FIFO links always append, so the common case is O(1).
    let at = held.length;
    while (at > 0 && (held[at - 1] as Held).atMs > atMs) at--;
    held.splice(at, 0, { sentMs, atMs, message });
    if (at === 0) this.arm(peer, queue);
  }

  /**
   * After any rule change (setRules, or a change made on `rules` directly): each held copy is due at
   * the time LinkRules.retime() gives, never later than before; a copy for a peer now cut off is
   * dropped. What is due now goes out at once, before any later send can overtake it, and the
   * FIFO tails are re-timed alike, so a reset link carries new traffic at once.
   */
  private retimeHeld(): void {
    if (this.closed) return;
    this.rules.retimeFifoTails();
    for (const [peer, queue] of this.queues) {
      const kept: Held[] = [];
      for (const held of queue.held) {
        const atMs = this.rules.retime(this.self, peer, held.sentMs, held.atMs);
        if (atMs !== null) kept.push({ ...held, atMs });
      }
      // A stable sort: copies due at the same time keep their order.
      queue.held = kept.sort((x, y) => x.atMs - y.atMs);
      this.release(peer, queue);
    }
  }

  private arm(peer: NodeId, queue: PeerQueue): void {
    if (queue.timer !== null) clearTimeout(queue.timer);
    const head = queue.held[0];
    if (head === undefined) {
      queue.timer = null;
      return;
    }
    const waitMs = Math.min(TIMER_WAIT_MAX_MS, Math.max(1, Math.ceil(head.atMs - this.nowMs())));
    queue.timer = setTimeout(() => this.release(peer, queue), waitMs);
  }

  /** Hands over what is due and waits for the rest; arm() cancels a timer still pending. */
  private release(peer: NodeId, queue: PeerQueue): void {
    if (this.closed) return;
    const limit = this.nowMs() + DUE_TOLERANCE_MS;
    let count = 0;
    while (count < queue.held.length && (queue.held[count] as Held).atMs <= limit) count++;
    const due = queue.held.splice(0, count).map((h) => h.message);
    this.arm(peer, queue);
    if (due.length > 0) this.deliver(peer, due);
  }
}
