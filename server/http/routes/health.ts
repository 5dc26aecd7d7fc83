import { Router } from 'express';
import type { Logger } from '../../lib/logger.ts';

export interface HealthRouteDependencies {
  /** True when the server can serve: the store answers and it is not shutting down. */
  ready(): boolean | Promise<boolean>;
  log: Logger;
  readyTimeoutMs?: number;
}

/**
 * `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: `200` when
 * `ready()` says so within the timeout, `503` otherwise, so a load balancer stops routing here
 * while the database is unreachable or the server is shutting down).
 */
export function healthRoutes(deps: HealthRouteDependencies): Router {
  const router = Router();
  const timeoutMs = deps.readyTimeoutMs ?? 2000;
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/readyz', async (_request, response) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ready = await Promise.race([Promise.resolve().then(deps.ready), timedOut]).catch(
      (error: unknown) => {
        deps.log('warn', 'http.readiness_failed', { error });
        return false;
      },
    );
    clearTimeout(timer);
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  return router;
}
