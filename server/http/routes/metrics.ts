import { Router, type Request } from 'express';
import { isAdminKey } from '../../auth/keys.ts';
import type { ChorusMetrics } from '../../observability/metrics.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { bearerToken } from '../middleware/room-access.ts';

export interface MetricsRouteDependencies {
  metrics: ChorusMetrics;
  /** The admin key: its bearer may always scrape. */
  adminKey: string | null;
  /** `CHORUS_METRICS_TOKEN`: a bearer that may scrape and do nothing else; null: none. */
  metricsToken: string | null;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Whether the request came from this machine directly: a loopback peer that no proxy forwarded
 * (a reverse proxy on the same machine adds `X-Forwarded-For` or `Forwarded`). The socket's
 * address, not `request.ip`, which a trusted proxy's header may set.
 */
function fromThisMachine(request: Request): boolean {
  return (
    LOOPBACK.test(request.socket.remoteAddress ?? '') &&
    request.get('x-forwarded-for') === undefined &&
    request.get('forwarded') === undefined
  );
}

/**
 * `GET /metrics`: the Prometheus text exposition (docs/architecture.md §10). Open to a scraper on
 * this machine; from anywhere else it needs `Authorization: Bearer <admin key or metrics token>`
 * (401 without a bearer, 403 with another one).
 */
export function metricsRoutes(deps: MetricsRouteDependencies): Router {
  const router = Router();
  router.get('/metrics', async (request, response) => {
    if (!fromThisMachine(request)) {
      const token = bearerToken(request);
      if (token === undefined)
        throw new HttpError(
          401,
          ERROR_CODE.UNAUTHORIZED,
          'GET /metrics from another machine needs "Authorization: Bearer <CHORUS_METRICS_TOKEN or the admin key>"',
        );
      const allowed = [deps.metricsToken, deps.adminKey].some(
        (key) => key !== null && isAdminKey(token, key),
      );
      if (!allowed)
        throw new HttpError(403, ERROR_CODE.FORBIDDEN, 'This token may not read the metrics');
    }
    const text = await deps.metrics.render();
    response.set('Content-Type', deps.metrics.contentType).set('Cache-Control', 'no-store');
    response.send(text);
  });
  return router;
}
