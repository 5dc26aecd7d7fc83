/** The `limit` query parameter of a paged list: a whole number from 1 to `max`. */
import { z } from 'zod';

/**
 * @example limit: pageLimit('Messages per page', 200, 50)
 */
export function pageLimit(what: string, max: number, defaultSize: number) {
  return z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .optional()
    .describe(`${what}, 1–${max} (default ${defaultSize}).`);
}
