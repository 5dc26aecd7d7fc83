/**
 * The address browsers reach this server at, for the URLs it hands them (the realtime URL of
 * `POST /api/session`). `CHORUS_PUBLIC_URL` says it; without it, a request's `Host` is believed
 * only when it is a host this server expects (docs/decisions.md, "HTTP API"), so a forged `Host`
 * is never reflected into a URL.
 */

/** What makes a `Host` expected: the `HOST` setting and `CHORUS_ALLOWED_ORIGINS`. */
export interface HostPolicy {
  /** Where the server listens (`HOST`); a wildcard (`0.0.0.0`, `::`) names no host. */
  listenHost: string;
  /** Normalised origins (`https://shop.example`), or `*` (which names no host). */
  allowedOrigins: ReadonlySet<string> | '*';
}

const HOST_HEADER =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]', '']);

function hostnameOf(host: string): string {
  return host.startsWith('[')
    ? host.slice(0, host.indexOf(']') + 1)
    : (host.split(':', 1)[0] ?? '');
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(hostname) ||
    hostname === '[::1]'
  );
}

/**
 * The origin of a request as its browser sees it, from `Host`, when that host is expected: a
 * loopback name (`localhost`, `127.0.0.1`, `[::1]`, any port), the `HOST` setting, or the host
 * of an allowed origin (whose scheme is then used). Otherwise null.
 * @example expectedOrigin('localhost:8787', false, policy) // 'http://localhost:8787'
 */
export function expectedOrigin(
  host: string | undefined,
  secure: boolean,
  policy: HostPolicy,
): string | null {
  if (host === undefined || !HOST_HEADER.test(host)) return null;
  const lowered = host.toLowerCase();
  const hostname = hostnameOf(lowered);
  const listenHost = policy.listenHost.toLowerCase();
  const listensOn = WILDCARD_HOSTS.has(listenHost)
    ? null
    : listenHost.includes(':') && !listenHost.startsWith('[')
      ? `[${listenHost}]`
      : listenHost;
  if (isLoopback(hostname) || hostname === listensOn)
    return `${secure ? 'https' : 'http'}://${lowered}`;
  if (policy.allowedOrigins === '*') return null;
  for (const origin of policy.allowedOrigins) if (new URL(origin).host === lowered) return origin;
  return null;
}

/**
 * The realtime-js endpoint of a server at `origin`: `ws(s)://…/realtime/v1`.
 * @example realtimeUrlOf('https://chat.example.com') // 'wss://chat.example.com/realtime/v1'
 */
export function realtimeUrlOf(origin: string): string {
  return `${origin.replace(/^http/, 'ws').replace(/\/+$/, '')}/realtime/v1`;
}
