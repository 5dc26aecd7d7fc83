import { describe, expect, it, vi } from 'vitest';
import { jitteredBackoff } from './backoff.ts';
import { ChorusError, toChorusError } from './chorus-error.ts';
import { createBatcher } from './frame.ts';
import { contrastRatio, safeColor } from './css-props.ts';

const rgb = (hex: string) => [1, 3, 5].map((index) => parseInt(hex.slice(index, index + 2), 16));
import { createUuid } from './uuid.ts';

describe('jitteredBackoff', () => {
  it('grows exponentially between half and all of the ceiling, up to the maximum', () => {
    expect(
      [1, 2, 3, 4, 10].map((attempt) => jitteredBackoff(attempt, { random: () => 0 })),
    ).toEqual([500, 1000, 2000, 4000, 15000]);
    expect(
      [1, 2, 3, 4, 10].map((attempt) => jitteredBackoff(attempt, { random: () => 0.999999 })),
    ).toEqual([1000, 2000, 4000, 8000, 30000]);
  });
});

describe('ChorusError', () => {
  it('knows what is worth retrying and keeps the cause', () => {
    expect(new ChorusError('rate_limited', 'x', { status: 429 }).retryable).toBe(true);
    expect(new ChorusError('network_error', 'x').retryable).toBe(true);
    expect(new ChorusError('forbidden_room', 'x', { status: 403 }).retryable).toBe(false);
    const cause = new Error('socket closed');
    expect(toChorusError(cause, 'channel_error')).toMatchObject({
      code: 'channel_error',
      message: 'socket closed',
      cause,
    });
  });
});

describe('createBatcher', () => {
  it('runs the flush once per scheduled tick, and at once on flushNow', () => {
    const ticks: (() => void)[] = [];
    const flush = vi.fn();
    const batch = createBatcher(flush, (callback) => (ticks.push(callback), () => {}));
    batch.request();
    batch.request();
    expect(ticks).toHaveLength(1);
    ticks[0]!();
    expect(flush).toHaveBeenCalledTimes(1);
    batch.request();
    batch.flushNow();
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('works with a scheduler that runs synchronously', () => {
    const flush = vi.fn();
    const batch = createBatcher(flush, (callback) => (callback(), () => {}));
    batch.request();
    batch.request();
    expect(flush).toHaveBeenCalledTimes(2);
  });
});

describe('safeColor', () => {
  it('passes hex and named colours only', () => {
    expect(
      ['#7c3aed', '#abc', 'rebeccapurple', 'red;background:url(x)', 'var(--x)', '', null].map(
        safeColor,
      ),
    ).toEqual([
      'light-dark(#7c3aed, #a375f2)',
      'light-dark(#66707a, #aabbcc)',
      'rebeccapurple',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('adjusts hex colours to 4.5:1 on the light and dark panels and surfaces', () => {
    const panels = { light: ['#ffffff', '#f3f4f6'], dark: ['#15171c', '#22252c'] };
    for (const color of ['#1d4ed8', '#b45309', '#0f766e', '#facc15', '#000', '#fff', '#777777']) {
      const [light, dark] = safeColor(color)!.slice(11, -1).split(', ');
      for (const bg of panels.light)
        expect(contrastRatio(rgb(light!), rgb(bg))).toBeGreaterThanOrEqual(4.5);
      for (const bg of panels.dark)
        expect(contrastRatio(rgb(dark!), rgb(bg))).toBeGreaterThanOrEqual(4.5);
    }
    // A colour that already passes is kept.
    expect(safeColor('#1d4ed8')).toMatch(/^light-dark\(#1d4ed8, /);
  });
});

describe('createUuid', () => {
  it('makes version 4 UUIDs, also where randomUUID is missing (insecure contexts)', () => {
    const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(createUuid()).toMatch(pattern);
    const spy = vi.spyOn(crypto, 'randomUUID').mockImplementation(() => {
      throw new TypeError('insecure context');
    });
    try {
      const ids = new Set(Array.from({ length: 100 }, () => createUuid()));
      expect(ids.size).toBe(100);
      for (const id of ids) expect(id).toMatch(pattern);
    } finally {
      spy.mockRestore();
    }
  });
});
