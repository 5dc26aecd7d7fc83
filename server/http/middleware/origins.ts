import type { RequestHandler } from 'express';
import { isOriginAllowed, type AllowedOrigins } from '../../auth/allowed-origins.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';

const ALLOWED_METHODS = 'GET, POST, PUT, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Request-Id';
const EXPOSED_HEADERS = 'X-Request-Id, Retry-After';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS for the API with an origin allowlist. A request without `Origin` (curl, servers) passes;
 * a browser request from an allowed origin (or the server's own) gets the CORS headers, and a
 * preflight is answered `204` here; any other origin gets a 403 `origin_not_allowed`, preflight
 * included, so a page that is not allowed cannot even start a call. Bearer tokens, not cookies,
 * authenticate, so no credentials are allowed.
 */
export function originPolicy(
  allowed: AllowedOrigins,
  /** More request headers a preflight allows (supabase-js sends `apikey`, `x-client-info`…). */
  extraHeaders: readonly string[] = [],
): RequestHandler {
  const allowedHeaders = [ALLOWED_HEADERS, ...extraHeaders].join(', ');
  return (request, response, next) => {
    response.vary('Origin');
    const origin = request.get('origin');
    if (origin === undefined) {
      next();
      return;
    }
    if (!isOriginAllowed(origin, allowed, request.get('host'))) {
      throw new HttpError(
        403,
        ERROR_CODE.ORIGIN_NOT_ALLOWED,
        `Pages on ${origin.slice(0, 200)} may not call this API; the server's CHORUS_ALLOWED_ORIGINS must list that origin`,
      );
    }
    response.set('Access-Control-Allow-Origin', origin);
    response.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (
      request.method === 'OPTIONS' &&
      request.get('access-control-request-method') !== undefined
    ) {
      response.set({
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers': allowedHeaders,
        'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
      });
      response.status(204).end();
      return;
    }
    next();
  };
}
