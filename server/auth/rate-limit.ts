/**
 * Fixed-window rate limiting (docs/architecture.md §6, "Limits everywhere"): N hits per key per
 * window. {@link FixedWindowRateLimiter} counts in one process's memory (one process, or limits
 * that are per connection anyway); `server/store/postgres-rate-limits.ts` counts in the database,
 * so N processes behind a load balancer enforce the configured number together (§10).
 */

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Hits left in the current window after this one. */
  remaining: number;
  /** Whole seconds until the window resets (at least 1): the `Retry-After` of a refusal. */
  retryAfterSeconds: number;
}

export interface RateLimiterOptions {
  /** Hits allowed per key per window. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most; beyond it the oldest windows are forgotten. Default 100 000. */
  maxKeys?: number;
  now?: () => number;
}

/** A limit on hits per key: in memory, or shared through a store. */
export interface RateLimiter {
  readonly limit: number;
  /** Counts one hit for `key` and says whether it is within the limit (a refused hit is not counted). */
  hit(key: string): RateLimitDecision | Promise<RateLimitDecision>;
}

/** Makes the limiter of one named limit (`name` keeps the limits' counts apart in a shared store). */
export type RateLimiterFactory = (
  name: string,
  options: { limit: number; windowMs: number },
) => RateLimiter;

/** {@link RateLimiterFactory} for limits kept in this process's memory. */
export function memoryRateLimiters(now: () => number = Date.now): RateLimiterFactory {
  return (_name, options) => new FixedWindowRateLimiter({ ...options, now });
}

interface Window {
  startedAt: number;
  hits: number;
}

/**
 * Counts hits per key in fixed windows. Memory stays bounded: expired windows are swept once per
 * window, and past `maxKeys` the oldest key is dropped.
 * @example
 * const sessions = new FixedWindowRateLimiter({ limit: 200, windowMs: 60_000 });
 * const decision = sessions.hit(request.ip);
 * if (!decision.allowed) response.set('Retry-After', String(decision.retryAfterSeconds)).status(429);
 */
export class FixedWindowRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly maxKeys: number;
  private lastSweep: number;

  constructor(private readonly options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError('limit must be a positive integer');
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.lastSweep = this.now();
  }

  get limit(): number {
    return this.options.limit;
  }

  /** Counts one hit for `key` and says whether it is within the limit (a refused hit is not counted). */
  hit(key: string): RateLimitDecision {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.options.windowMs) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      window = { startedAt: now, hits: 0 };
      this.windows.set(key, window);
    }
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((window.startedAt + this.options.windowMs - now) / 1000),
    );
    if (window.hits >= this.options.limit)
      return { allowed: false, limit: this.options.limit, remaining: 0, retryAfterSeconds };
    window.hits += 1;
    return {
      allowed: true,
      limit: this.options.limit,
      remaining: this.options.limit - window.hits,
      retryAfterSeconds,
    };
  }

  /** Keys currently remembered (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.options.windowMs) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows)
      if (now - window.startedAt >= this.options.windowMs) this.windows.delete(key);
  }
}
