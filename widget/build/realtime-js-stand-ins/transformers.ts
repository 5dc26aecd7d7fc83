/**
 * Stand-in for `@supabase/realtime-js/dist/module/lib/transformers.js` in the widget build
 * (widget/build/trim-realtime-js.ts). The real module converts postgres_changes records to JS
 * types, which the widget never receives; of it, realtime-js's client and channel only need
 * `httpEndpointURL` for the REST broadcast endpoint, which is kept, written to agree with the
 * real one (checked by trim-realtime-js.test.ts on a table of URLs).
 */
import { notInWidget } from './not-in-widget.ts';

/** The real one is an enum of Postgres type names, read only by the converters below. */
export const PostgresTypes: Readonly<Record<string, string>> = {};
export const convertChangeData = notInWidget;
export const convertColumn = notInWidget;
export const convertCell = notInWidget;
export const toBoolean = notInWidget;
export const toNumber = notInWidget;
export const toJson = notInWidget;
export const toArray = notInWidget;
export const toTimestampString = notInWidget;

/**
 * The REST broadcast endpoint of a Realtime socket URL: `ws(s)` becomes `http(s)`; trailing
 * slashes, then a trailing `/socket/websocket`, `/socket` and `/websocket` (in that order, any
 * case) are removed, and `/api/broadcast` is appended. The query (the `apikey`) is kept.
 * @example httpEndpointURL('wss://x.supabase.co/realtime/v1/websocket?vsn=1.0.0') // 'https://x.supabase.co/realtime/v1/api/broadcast?vsn=1.0.0'
 */
export function httpEndpointURL(socketUrl: string): string {
  const url = new URL(socketUrl);
  url.protocol = url.protocol.replace(/^ws/i, 'http');
  const path = url.pathname
    .replace(/\/+$/, '')
    .replace(/\/socket\/websocket$/i, '')
    .replace(/\/socket$/i, '')
    .replace(/\/websocket$/i, '');
  url.pathname = (path === '/' ? '' : path) + '/api/broadcast';
  return url.href;
}
