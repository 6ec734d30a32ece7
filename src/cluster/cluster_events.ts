/** A tiny typed emitter: a listener that throws is reported, never allowed to break the supervisor. */
import type { ClusterEventMap, ClusterEventName } from './cluster_types.js';

type Listener<E extends ClusterEventName> = (event: ClusterEventMap[E]) => void;

export class ClusterEvents {
  private readonly listeners = new Map<ClusterEventName, Set<(event: never) => void>>();
  private readonly onListenerError: (error: unknown, event: ClusterEventName) => void;
  /** Wakes anyone waiting for "something changed" (waitFor), whatever the event. */
  private readonly wakers = new Set<() => void>();

  constructor(onListenerError: (error: unknown, event: ClusterEventName) => void) {
    this.onListenerError = onListenerError;
  }

  on<E extends ClusterEventName>(event: E, fn: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const stored = fn as (event: never) => void;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  emit<E extends ClusterEventName>(event: E, payload: ClusterEventMap[E]): void {
    for (const wake of [...this.wakers]) wake();
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<E>)(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  /** Resolves on the next event of any kind (or never; callers race it with a timer). */
  nextEvent(): { promise: Promise<void>; cancel: () => void } {
    let wake: () => void = () => {};
    const promise = new Promise<void>((resolve) => {
      wake = () => {
        this.wakers.delete(wake);
        resolve();
      };
      this.wakers.add(wake);
    });
    return { promise, cancel: () => this.wakers.delete(wake) };
  }

  clear(): void {
    this.listeners.clear();
    for (const wake of [...this.wakers]) wake();
  }
}
