import type { Message, NodeId } from '../core/types.js';

/**
 * The transport port: fire-and-forget delivery of Raft messages between nodes. Messages may be
 * lost, delayed, duplicated or reordered (by real networks or by link rules); Raft tolerates it.
 * Implementations: simulated network, MessagePort mesh, TCP sockets.
 */
export interface Transport {
  /** Sends a batch; a message to an unknown or unreachable peer is dropped, never thrown. */
  send(messages: readonly Message[]): void;
  /** Registers the one receiver of messages addressed to this node. */
  onMessage(handler: (message: Message) => void): void;
  close(): void;
}

/** One fault vocabulary everywhere: simulator, MessagePort, TCP and real processes. */
export interface LinkSettings {
  /** At most LINK_DELAY_MAX_MS. */
  delayMs: number;
  /** At most LINK_DELAY_MAX_MS. */
  jitterMs: number;
  /** Probability in [0, 1] that a message is dropped. */
  lossRate: number;
  /** Probability in [0, 1] that a message is delivered twice. */
  duplicateRate: number;
  /** When true, messages may overtake each other (delivery order follows random delays). */
  reorder: boolean;
}

/**
 * The longest delay, and the longest jitter, a link may be given: one hour. A longer one is no
 * fault worth emulating, and it keeps every delivery time well inside what a Node timer can wait
 * (2^31-1 ms; a longer wait fires after 1 ms instead).
 */
export const LINK_DELAY_MAX_MS = 3_600_000;

export const HEALTHY_LINK: LinkSettings = {
  delayMs: 0,
  jitterMs: 0,
  lossRate: 0,
  duplicateRate: 0,
  reorder: false,
};

export type { NodeId };
