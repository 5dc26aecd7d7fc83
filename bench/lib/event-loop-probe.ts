/**
 * Measures how long the event loop is unavailable while a workload runs, two ways:
 *
 * - a 1 ms `setInterval` probe: every tick records its lateness (gap to the previous tick minus
 *   1 ms). Per-tick percentiles are what `monitorEventLoopDelay` reports, and they understate
 *   long blocks: a 500 ms block is one late tick among many punctual ones.
 * - the wait of an arrival: a socket frame arriving at a uniformly random moment of the window
 *   waits for the rest of the block it lands in (0 when the loop is free). Its distribution is
 *   computed from the blocks: P(wait > w) = Σ max(0, block − w) / window. This is the extra
 *   latency the WebSocket hub's traffic would see.
 *
 * Node's own `monitorEventLoopDelay({ resolution: 1 })` runs alongside as a cross-check.
 *
 * @example
 * const probe = new EventLoopProbe();
 * probe.start();
 * await burst();
 * const report = await probe.stop();
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { LatencyHistogram } from './histogram.ts';

const INTERVAL_MS = 1;

export interface EventLoopReport {
  windowMs: number;
  ticks: number;
  /** Per-tick lateness (ms), as event-loop-delay monitors report it. */
  tickLateness: { p50: number; p99: number; max: number };
  /** Wait (ms) of an arrival at a random moment of the window. */
  arrivalWait: { mean: number; p99: number; p999: number; max: number };
  /** Share of the window (%) the loop was blocked beyond the probe's 1 ms interval. */
  blockedPercent: number;
  /** Node's `monitorEventLoopDelay` over the same window, interval minus its 1 ms resolution. */
  native: { p50: number; p99: number; max: number; count: number };
}

export class EventLoopProbe {
  private blocks: number[] = [];
  private histogram = new LatencyHistogram();
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private startedAt = 0;
  private native: IntervalHistogram | undefined;

  start(): void {
    this.blocks = [];
    this.histogram = new LatencyHistogram();
    this.native = monitorEventLoopDelay({ resolution: INTERVAL_MS });
    this.native.enable();
    this.startedAt = this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const lateness = Math.max(0, now - this.last - INTERVAL_MS);
      this.last = now;
      this.blocks.push(lateness);
      this.histogram.record(lateness);
    }, INTERVAL_MS);
  }

  /** Waits for one more tick (so a block that just ended is recorded), then reports. */
  async stop(): Promise<EventLoopReport> {
    const ticks = this.blocks.length;
    while (this.blocks.length === ticks)
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    clearInterval(this.timer);
    this.native!.disable();
    const windowMs = this.last - this.startedAt;
    const native = this.native!;
    const nativeMs = (nanoseconds: number) =>
      native.count === 0 ? Number.NaN : Math.max(0, nanoseconds / 1e6 - INTERVAL_MS);
    const blocked = this.blocks.reduce((sum, block) => sum + block, 0);
    const max = this.blocks.reduce((longest, block) => Math.max(longest, block), 0);
    return {
      windowMs,
      ticks: this.blocks.length,
      tickLateness: {
        p50: this.histogram.percentile(0.5),
        p99: this.histogram.percentile(0.99),
        max: this.histogram.maxMs,
      },
      arrivalWait: {
        mean: this.blocks.reduce((sum, block) => sum + (block * block) / 2, 0) / windowMs,
        p99: arrivalWaitQuantile(this.blocks, windowMs, 0.99),
        p999: arrivalWaitQuantile(this.blocks, windowMs, 0.999),
        max,
      },
      blockedPercent: (100 * blocked) / windowMs,
      native: {
        p50: nativeMs(native.percentile(50)),
        p99: nativeMs(native.percentile(99)),
        max: nativeMs(native.max),
        count: native.count,
      },
    };
  }
}

/** The wait w with P(wait > w) = 1 − q for an arrival uniform over the window (bisection). */
export function arrivalWaitQuantile(
  blocks: readonly number[],
  windowMs: number,
  q: number,
): number {
  const exceed = (wait: number) =>
    blocks.reduce((sum, block) => sum + Math.max(0, block - wait), 0) / windowMs;
  let low = 0;
  let high = blocks.reduce((longest, block) => Math.max(longest, block), 0);
  if (exceed(0) <= 1 - q) return 0;
  for (let step = 0; step < 50; step += 1) {
    const middle = (low + high) / 2;
    if (exceed(middle) > 1 - q) low = middle;
    else high = middle;
  }
  return high;
}
