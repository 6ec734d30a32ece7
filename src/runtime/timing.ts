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

/**
 * How fast a node is assumed to write a log entry, for the patience a big append earns
 * (RaftConfig.appendGraceBytesPerTick): well under what this code writes on a busy 2-core host
 * (a 16 MiB entry in 0.2-0.7 s, 60 MiB in 0.6-0.8 s, each node and the leader at once). Without
 * it, one 8 MiB write deposed the leader in one try of five on fast timing: a follower done with
 * its copy timed out while the leader was still writing its own, and the write answered TIMEOUT.
 */
export const ASSUMED_WRITE_BYTES_PER_SECOND = 16 * 1024 * 1024;

export function appendGraceBytesPerTick(profile: TimingProfile): number {
  return Math.round((ASSUMED_WRITE_BYTES_PER_SECOND * profile.tickIntervalMs) / 1000);
}
