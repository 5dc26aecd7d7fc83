/**
 * How long a provider asked us to wait, read from its response headers. Both OpenAI and Anthropic
 * send `retry-after` (seconds, or an HTTP date); some gateways add the more precise
 * `retry-after-ms`, which wins when present, as it does in both official SDKs.
 */

/** The subset of `Headers` this reads, so a plain object can stand in for it in tests. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * The wait in milliseconds the headers ask for, or `undefined` when they give none (or nonsense).
 * A date in the past yields 0.
 * @example
 * parseRetryAfter(new Headers({ 'retry-after': '2' })); // 2000
 * parseRetryAfter(new Headers({ 'retry-after-ms': '150' })); // 150
 */
export function parseRetryAfter(
  headers: HeaderLookup | undefined,
  now: number = Date.now(),
): number | undefined {
  if (headers === undefined) return undefined;
  const milliseconds = parseNonNegativeNumber(headers.get('retry-after-ms'));
  if (milliseconds !== undefined) return Math.round(milliseconds);

  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = parseNonNegativeNumber(value);
  if (seconds !== undefined) return Math.round(seconds * 1000);
  if (!/[a-z]/i.test(value)) return undefined; // neither seconds nor an HTTP date ("-1")
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function parseNonNegativeNumber(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}
