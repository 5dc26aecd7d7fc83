import { z } from 'zod';
import { defineTool } from './tool.ts';

/**
 * True when `Intl` knows `timeZone` as an IANA zone (e.g. `Europe/Paris`, `UTC`).
 * @example
 * isTimeZone('Asia/Tokyo'); // true
 * isTimeZone('Mars/Olympus'); // false
 */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * `current_time`: the date and time now, in UTC or a given IANA time zone. Models have no clock.
 * @example
 * await registry.run('current_time', { timezone: 'Asia/Tokyo' }, context);
 * // { result: { timeZone: 'Asia/Tokyo', iso: '2026-11-22T11:04:05+09:00', utc: '2026-11-22T02:04:05.000Z',
 * //             readable: 'Sunday, 22 November 2026 at 11:04:05 GMT+9' } }
 */
export default defineTool({
  name: 'current_time',
  description:
    'Returns the current date and time: ISO 8601 with the UTC offset, and a readable form. ' +
    'Pass an IANA time zone (e.g. "Europe/Paris", "America/New_York") for local time; UTC otherwise.',
  parameters: z.object({
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, {
        error: (issue) =>
          `unknown time zone ${JSON.stringify(issue.input)}; use an IANA name such as "Europe/Paris"`,
      })
      .optional()
      .describe('IANA time zone name, e.g. "Asia/Tokyo". Defaults to UTC.'),
  }),
  timeoutMs: 1_000,
  async execute({ timezone }, context) {
    const now = context.now();
    // The zone is reported as asked: `resolvedOptions()` would turn Asia/Kolkata into Asia/Calcutta.
    const timeZone = timezone ?? 'UTC';
    const format = new Intl.DateTimeFormat('en-GB', {
      dateStyle: 'full',
      timeStyle: 'long',
      timeZone,
    });
    return {
      timeZone,
      iso: toZonedIso(now, timeZone),
      utc: now.toISOString(),
      readable: format.format(now),
    };
  },
});

/** `2026-11-22T03:04:05+01:00`: the wall-clock time in `timeZone` with its offset from UTC. */
function toZonedIso(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((entry) => entry.type === type)?.value ?? '00';
  const day = `${part('year')}-${part('month')}-${part('day')}`;
  const wallClock = `${day}T${part('hour')}:${part('minute')}:${part('second')}`;

  // The offset is how far the wall clock is ahead of UTC, to the minute.
  const wallClockAsUtc = Date.parse(`${wallClock}Z`);
  const offsetMinutes = Math.round(
    (wallClockAsUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000,
  );
  const sign = offsetMinutes < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
  return `${wallClock}${sign}${hours}:${minutes}`;
}
