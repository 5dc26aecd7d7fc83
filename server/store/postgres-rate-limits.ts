import type { RateLimitDecision, RateLimiter, RateLimiterFactory } from '../auth/rate-limit.ts';
import type { SqlExecutor } from './sql.ts';

/**
 * A fixed-window limit counted in Postgres (`rate_limit_windows`): every process sharing the
 * database counts against the same number (docs/architecture.md §10). One statement per hit: it
 * starts the key's window or adds to it, never past `limit + 1` (a refused hit is not counted
 * further). Windows are aligned to the clock (`floor(now / windowMs)`), so processes agree on
 * them as far as their clocks agree. Past windows are deleted about once a window.
 */
export class PostgresRateLimiter implements RateLimiter {
  private lastSweep = 0;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly name: string,
    private readonly options: { limit: number; windowMs: number; now?: () => number },
  ) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError('limit must be a positive integer');
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  get limit(): number {
    return this.options.limit;
  }

  async hit(key: string): Promise<RateLimitDecision> {
    const { limit, windowMs } = this.options;
    const now = (this.options.now ?? Date.now)();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const { rows } = await this.sql.query<{ hits: number }>(
      `insert into rate_limit_windows as w (name, key, window_start, hits) values ($1, $2, $3, 1)
       on conflict (name, key) do update set
         hits = case when w.window_start = excluded.window_start then least(w.hits + 1, $4 + 1) else 1 end,
         window_start = excluded.window_start
       returning hits`,
      [this.name, key, windowStart, limit],
    );
    if (now - this.lastSweep >= windowMs) {
      this.lastSweep = now;
      void this.sql
        .query('delete from rate_limit_windows where name = $1 and window_start < $2', [
          this.name,
          windowStart,
        ])
        .catch(() => {}); // best effort: the next sweep deletes them
    }
    const hits = rows[0]!.hits;
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
    return {
      allowed: hits <= limit,
      limit,
      remaining: Math.max(0, limit - hits),
      retryAfterSeconds,
    };
  }
}

/**
 * {@link RateLimiterFactory} for limits shared through the database.
 * @example createApp({ ...deps, rateLimiters: postgresRateLimiters(sql) });
 */
export function postgresRateLimiters(
  sql: SqlExecutor,
  now: () => number = Date.now,
): RateLimiterFactory {
  return (name, options) => new PostgresRateLimiter(sql, name, { ...options, now });
}
