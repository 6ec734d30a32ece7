/**
 * The real-clock runtime of one node: a tick timer every tickIntervalMs, and flushes coalesced
 * with setImmediate — everything that arrives in one turn of the event loop (client commands,
 * peer messages) is handled by one flush, which is what batches proposals into one append and
 * one fsync. Pausing stops ticks and flushes (a stopped process), resuming catches up.
 */
import type { NodeDriver } from '../node/node_driver.js';
import type { PausableTransport } from './pausable_transport.js';
import { StallMeter } from './stall_meter.js';

export class NodeLoop {
  readonly meter: StallMeter;
  private readonly tickIntervalMs: number;
  private readonly transport: PausableTransport;
  private driver: NodeDriver | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private pausedState = false;
  private stopped = false;

  constructor(tickIntervalMs: number, transport: PausableTransport) {
    this.tickIntervalMs = tickIntervalMs;
    this.transport = transport;
    this.meter = new StallMeter(tickIntervalMs);
  }

  /** Handed to the driver as `requestFlush`; safe to call any number of times per turn. */
  readonly requestFlush = (): void => {
    if (this.flushScheduled || this.pausedState || this.stopped) return;
    this.flushScheduled = true;
    setImmediate(this.runFlush);
  };

  start(driver: NodeDriver): void {
    this.driver = driver;
    this.timer = setInterval(this.onTimer, this.tickIntervalMs);
    this.requestFlush();
  }

  get paused(): boolean {
    return this.pausedState;
  }

  pause(): void {
    this.pausedState = true;
    this.transport.pause();
  }

  resume(): void {
    this.pausedState = false;
    this.transport.resume();
    this.requestFlush();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private readonly onTimer = (): void => {
    const startMs = performance.now();
    this.meter.onTimer(startMs);
    if (this.pausedState || this.stopped || this.driver === null) return;
    // tick() flushes itself; time it like any other flush.
    this.driver.tick();
    this.meter.onFlush(performance.now() - startMs);
  };

  private readonly runFlush = (): void => {
    this.flushScheduled = false;
    if (this.pausedState || this.stopped || this.driver === null) return;
    const startMs = performance.now();
    this.driver.flush();
    this.meter.onFlush(performance.now() - startMs);
  };
}
