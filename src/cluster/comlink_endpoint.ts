/**
 * comlink speaks the DOM's EventTarget dialect; Node's Worker and MessagePort emit 'message'
 * with the data itself. comlink's bundled Node adapter does not type-check under NodeNext, so
 * this is the small adapter we own.
 */
import type { Endpoint } from 'comlink';
import type { TransferListItem } from 'node:worker_threads';

export interface NodeMessageTarget {
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off(event: 'message', listener: (value: unknown) => void): unknown;
  postMessage(value: unknown, transferList?: readonly TransferListItem[]): void;
}

type Listener = ((event: { data: unknown }) => void) | { handleEvent(event: { data: unknown }): void };

export function nodeEndpoint(target: NodeMessageTarget): Endpoint {
  const wrappers = new WeakMap<object, (value: unknown) => void>();
  return {
    postMessage(message: unknown, transfer?: unknown[]): void {
      target.postMessage(message, transfer as TransferListItem[] | undefined);
    },
    addEventListener(_type: string, listener: Listener): void {
      const wrapper = (data: unknown): void => {
        if (typeof listener === 'function') listener({ data });
        else listener.handleEvent({ data });
      };
      wrappers.set(listener, wrapper);
      target.on('message', wrapper);
    },
    removeEventListener(_type: string, listener: Listener): void {
      const wrapper = wrappers.get(listener);
      if (wrapper === undefined) return;
      wrappers.delete(listener);
      target.off('message', wrapper);
    },
  } as Endpoint;
}
