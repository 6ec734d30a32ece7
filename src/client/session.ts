/**
 * The client's exactly-once session: an id and a sequence number per write. A write keeps its
 * (session, sequence) across retries, so the state machine applies it once and answers a retry
 * with the first result.
 *
 * The server remembers results only for a window of sequences below the highest it applied
 * (128 by default). A write still being retried must stay inside that window, so the number of
 * writes in flight is bounded below it: later writes wait for a slot.
 */

/** Writes in flight per session; below the server's retry window (DEFAULT_SESSION_WINDOW, 128). */
export const MAX_INFLIGHT_WRITES = 100;

export interface WriteTicket {
  sessionId: string;
  sequence: number;
}

interface Waiter {
  grant: () => void;
}

export class ClientSession {
  private id: string;
  private lastSequence = 0;
  private inflight = 0;
  private readonly waiters: Waiter[] = [];
  private readonly maxInflight: number;

  constructor(maxInflight = MAX_INFLIGHT_WRITES) {
    this.id = newSessionId();
    this.maxInflight = maxInflight;
  }

  get sessionId(): string {
    return this.id;
  }

  /**
   * Takes a slot and the next sequence, waiting for a slot until `deadlineMs` (Date.now() time).
   * Returns null when the deadline passed first.
   */
  async begin(deadlineMs: number): Promise<WriteTicket | null> {
    if (this.inflight >= this.maxInflight) {
      const granted = await this.waitForSlot(deadlineMs);
      if (!granted) return null;
    } else {
      this.inflight++;
    }
    this.lastSequence++;
    return { sessionId: this.id, sequence: this.lastSequence };
  }

  /** Gives the slot back once the write has a final answer (result, command error or timeout). */
  end(): void {
    const next = this.waiters.shift();
    if (next !== undefined) next.grant(); // the slot passes straight to the next writer
    else this.inflight--;
  }

  /**
   * The server forgot this session: later writes use a fresh one. Writes in flight keep their
   * old tickets; the server answers those with SESSIONEXPIRED too.
   */
  renew(expiredId: string): void {
    if (expiredId !== this.id) return; // already renewed by another write
    this.id = newSessionId();
    this.lastSequence = 0;
  }

  private waitForSlot(deadlineMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at !== -1) this.waiters.splice(at, 1);
        resolve(false);
      }, Math.max(0, deadlineMs - Date.now()));
      this.waiters.push(waiter);
    });
  }
}

function newSessionId(): string {
  return globalThis.crypto.randomUUID();
}
