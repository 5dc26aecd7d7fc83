/**
 * A log-linear latency histogram (HdrHistogram's layout with 64 sub-buckets per power of two):
 * O(1) recording, about 1.6% relative precision, microsecond resolution up to ~35 minutes.
 *
 * @example
 * const histogram = new LatencyHistogram();
 * histogram.record(1.25); // milliseconds
 * histogram.percentile(0.99);
 */
export class LatencyHistogram {
  private static readonly LINEAR = 128;
  private static readonly SUB_BUCKETS = 64;
  private readonly counts = new Float64Array(
    LatencyHistogram.LINEAR + 25 * LatencyHistogram.SUB_BUCKETS,
  );
  count = 0;
  maxMs = 0;
  private sumMs = 0;

  /** Records one latency in milliseconds (negative values count as 0). */
  record(ms: number): void {
    const micros = Math.max(0, Math.min(2 ** 31 - 1, Math.round(ms * 1000)));
    this.counts[LatencyHistogram.indexOf(micros)]! += 1;
    this.count += 1;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get meanMs(): number {
    return this.count === 0 ? 0 : this.sumMs / this.count;
  }

  /** The latency (ms) at quantile `q` in [0, 1]; NaN when nothing was recorded. */
  percentile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let index = 0; index < this.counts.length; index += 1) {
      seen += this.counts[index]!;
      if (seen >= rank) return Math.min(this.maxMs, LatencyHistogram.midpointOf(index) / 1000);
    }
    return this.maxMs;
  }

  private static indexOf(micros: number): number {
    if (micros < LatencyHistogram.LINEAR) return micros;
    const exponent = 31 - Math.clz32(micros); // >= 7
    const shift = exponent - 6;
    return (
      LatencyHistogram.LINEAR +
      (exponent - 7) * LatencyHistogram.SUB_BUCKETS +
      ((micros >> shift) - LatencyHistogram.SUB_BUCKETS)
    );
  }

  private static midpointOf(index: number): number {
    if (index < LatencyHistogram.LINEAR) return index;
    const offset = index - LatencyHistogram.LINEAR;
    const exponent = Math.floor(offset / LatencyHistogram.SUB_BUCKETS) + 7;
    const shift = exponent - 6;
    const mantissa = (offset % LatencyHistogram.SUB_BUCKETS) + LatencyHistogram.SUB_BUCKETS;
    return mantissa * 2 ** shift + 2 ** shift / 2;
  }
}
