export interface BackoffOptions {
  /** The first delay's ceiling (default 1 000 ms). */
  baseMs?: number;
  /** The largest delay (default 30 000 ms). */
  maxMs?: number;
  /** A number in [0, 1) (tests pass a seeded one). */
  random?: () => number;
}

/**
 * Exponential back-off with "equal jitter": attempt n waits between half and all of
 * min(max, base · 2^(n-1)), so clients that lost the same server do not come back in step.
 * @example setTimeout(reconnect, jitteredBackoff(attempt)); // attempt 1: 500–1000 ms, 2: 1–2 s …
 */
export function jitteredBackoff(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 1_000, maxMs = 30_000, random = Math.random } = options;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
