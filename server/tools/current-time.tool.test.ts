import { beforeAll, describe, expect, it } from 'vitest';
import { isTimeZone } from './current-time.tool.ts';
import { loadTools, type ToolRegistry } from './registry.ts';
import { createTestContext } from './test-support/create-test-context.ts';

describe('current_time tool', () => {
  let tools: ToolRegistry;
  beforeAll(async () => {
    tools = await loadTools();
  });

  const at = (iso: string) => createTestContext({ now: () => new Date(iso) });

  it('answers in UTC by default', async () => {
    await expect(tools.run('current_time', {}, at('2026-11-22T10:04:05.678Z'))).resolves.toEqual({
      result: {
        timeZone: 'UTC',
        iso: '2026-11-22T10:04:05+00:00',
        utc: '2026-11-22T10:04:05.678Z',
        readable: 'Sunday, 22 November 2026 at 10:04:05 UTC',
      },
    });
  });

  it.each([
    ['Europe/Paris', '2026-01-15T12:00:00Z', '2026-01-15T13:00:00+01:00'],
    ['Europe/Paris', '2026-07-15T12:00:00Z', '2026-07-15T14:00:00+02:00'],
    ['America/New_York', '2026-01-15T03:30:00Z', '2026-01-14T22:30:00-05:00'],
    ['Asia/Kolkata', '2026-01-15T12:00:00Z', '2026-01-15T17:30:00+05:30'],
    ['Asia/Kathmandu', '2026-01-15T12:00:00Z', '2026-01-15T17:45:00+05:45'],
    ['Pacific/Kiritimati', '2026-12-31T23:00:00Z', '2027-01-01T13:00:00+14:00'],
  ])('gives local time with its offset in %s', async (timezone, now, iso) => {
    await expect(tools.run('current_time', { timezone }, at(now))).resolves.toMatchObject({
      result: { timeZone: timezone, iso, utc: new Date(now).toISOString() },
    });
  });

  it('rejects an unknown time zone with a clear error', async () => {
    await expect(
      tools.run('current_time', { timezone: 'Mars/Olympus_Mons' }, createTestContext()),
    ).resolves.toEqual({
      error:
        'Invalid arguments for current_time: timezone: unknown time zone "Mars/Olympus_Mons"; ' +
        'use an IANA name such as "Europe/Paris".',
    });
  });

  it('knows IANA zones through Intl', () => {
    expect(isTimeZone('Asia/Tokyo')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Not/AZone')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
