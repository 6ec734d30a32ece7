/**
 * The clock port. The core never reads time: the driver's runtime calls tick() every
 * tickIntervalMs (a real timer in workers, virtual time in the simulator).
 */
export interface Clock {
  nowMs(): number;
  /** Calls fn every intervalMs until the returned function is called. */
  every(intervalMs: number, fn: () => void): () => void;
}
