/**
 * Milliseconds since the epoch, with sub-millisecond precision, comparable across worker threads
 * (each thread's performance clock starts at its own timeOrigin). Deadlines cross threads as these.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
