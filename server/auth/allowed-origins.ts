/**
 * The browser origins allowed to call the API (`CHORUS_ALLOWED_ORIGINS`): a comma-separated list
 * of origins such as `https://shop.example,https://www.shop.example`, or `*` for any (the default,
 * for local use). The server's own origin is always allowed.
 */
export type AllowedOrigins = '*' | ReadonlySet<string>;

/** Thrown for a setting that names something other than origins; the message lists each bad entry. */
export class AllowedOriginsError extends Error {
  override readonly name = 'AllowedOriginsError';
}

/**
 * Parses the setting; unset or empty means `*`. Entries are normalised as browsers send them
 * (`https://Shop.Example:443/` becomes `https://shop.example`).
 * @example parseAllowedOrigins('https://shop.example, http://localhost:5173') // Set { 'https://shop.example', 'http://localhost:5173' }
 */
export function parseAllowedOrigins(raw: string | undefined): AllowedOrigins {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0 || entries.includes('*')) return '*';
  const origins = new Set<string>();
  const problems: string[] = [];
  for (const entry of entries) {
    const origin = normaliseOrigin(entry);
    if (origin === null)
      problems.push(
        `"${entry}" is not an origin like https://example.com (scheme, host and optional port; no path)`,
      );
    else origins.add(origin);
  }
  if (problems.length > 0)
    throw new AllowedOriginsError(`CHORUS_ALLOWED_ORIGINS: ${problems.join('; ')}`);
  return origins;
}

/** `scheme://host[:port]` in lower case without a default port, or null when `value` is not an http(s) origin. */
export function normaliseOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  )
    return null;
  if (url.pathname !== '/') return null;
  return url.origin;
}

/**
 * Whether a browser page on `origin` may talk to this server, given the request's `Host`: every
 * origin when the setting is `*`, else a listed one or the server's own (a browser's `Host` is
 * the host it is talking to, so a page elsewhere cannot pass as it). `null` (sandboxed frames,
 * file://) and garbage are refused. The API middleware, the hub's WebSocket upgrade and its REST
 * endpoint all decide with this (docs/decisions.md, "HTTP API" and "Realtime hub").
 * @example isOriginAllowed('https://shop.example', parseAllowedOrigins('https://shop.example'), 'chat.example') // true
 */
export function isOriginAllowed(
  origin: string,
  allowed: AllowedOrigins,
  host: string | undefined,
): boolean {
  if (allowed === '*') return true;
  const normalised = normaliseOrigin(origin);
  if (normalised === null) return false;
  if (allowed.has(normalised)) return true;
  return new URL(normalised).host === host?.toLowerCase();
}
