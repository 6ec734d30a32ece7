/**
 * Timing profiles: wall-clock intervals turned into the core's logical ticks. The core only
 * counts ticks; the runtime decides how long a tick is.
 */
export type TimingName = 'fast' | 'standard';

export interface TimingProfile {
  tickIntervalMs: number;
  heartbeatIntervalTicks: number;
  /** Base election timeout; each timeout is drawn from [base, 2 × base) ticks. */
  electionTimeoutTicks: number;
  /** A client request still pending after this long fails with a timeout. */
  requestTimeoutTicks: number;
}

export const TIMING_PROFILES: Readonly<Record<TimingName, TimingProfile>> = {
  // heartbeat 50 ms, election 150–300 ms: quick failover for demos and tests.
  fast: { tickIntervalMs: 10, heartbeatIntervalTicks: 5, electionTimeoutTicks: 15, requestTimeoutTicks: 300 },
  // heartbeat 100 ms, election 1000–2000 ms: etcd-like, tolerant of slow disks and busy hosts.
  standard: { tickIntervalMs: 20, heartbeatIntervalTicks: 5, electionTimeoutTicks: 50, requestTimeoutTicks: 250 },
};

export function isTimingName(value: unknown): value is TimingName {
  return value === 'fast' || value === 'standard';
}
