import { describe, expect, it } from 'vitest';
import { FixedWindowRateLimiter } from './rate-limit.ts';

describe('FixedWindowRateLimiter', () => {
  it('allows `limit` hits per key per window, then refuses with the seconds left, and resets with the window', () => {
    let now = 1_000_000;
    const limiter = new FixedWindowRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(limiter.hit('a')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
      retryAfterSeconds: 60,
    });
    expect(limiter.hit('a')).toMatchObject({ allowed: true, remaining: 0 });
    now += 15_500;
    expect(limiter.hit('a')).toEqual({
      allowed: false,
      limit: 2,
      remaining: 0,
      retryAfterSeconds: 45,
    });
    expect(limiter.hit('b')).toMatchObject({ allowed: true }); // keys are independent
    now += 44_500;
    expect(limiter.hit('a')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('forgets expired windows and never holds more than maxKeys', () => {
    let now = 0;
    const limiter = new FixedWindowRateLimiter({
      limit: 1,
      windowMs: 1000,
      maxKeys: 3,
      now: () => now,
    });
    for (const key of ['a', 'b', 'c', 'd']) limiter.hit(key);
    expect(limiter.size).toBe(3);
    expect(limiter.hit('a')).toMatchObject({ allowed: true }); // 'a' (the oldest) was dropped
    now += 1000;
    limiter.hit('e');
    expect(limiter.size).toBe(1);
  });

  it('refuses nonsense limits', () => {
    expect(() => new FixedWindowRateLimiter({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new FixedWindowRateLimiter({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});
