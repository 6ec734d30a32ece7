/**
 * Samples who leads the cluster at a fixed interval, for the summary's "time without a leader"
 * and the report's leader strip. A sample is one status round over every node, so the figure is
 * as fine as the interval (and a paused leader still counts as one: it answers status).
 */
import type { NodeId } from './nemesis_plan.js';

export interface LeaderSample {
  timeMs: number;
  /** Null when no node leads in the highest term seen (or status could not be read). */
  leader: NodeId | null;
}

export class LeaderMonitor {
  readonly samples: LeaderSample[] = [];
  private readonly leaderOf: () => Promise<NodeId | null>;
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private loop: Promise<void> = Promise.resolve();
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(leaderOf: () => Promise<NodeId | null>, clock: () => number, intervalMs: number) {
    this.leaderOf = leaderOf;
    this.clock = clock;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const leader = await this.leaderOf().catch(() => null);
      this.samples.push({ timeMs: this.clock(), leader });
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.intervalMs);
      });
    }
  }
}

/** Total time between samples that saw no leader (each leaderless sample counts until the next). */
export function leaderlessMs(samples: readonly LeaderSample[], endMs: number): number {
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as LeaderSample;
    const nextMs = samples[i + 1]?.timeMs ?? endMs;
    if (sample.leader === null) total += Math.max(0, nextMs - sample.timeMs);
  }
  return total;
}
