import type { RequestHandler } from 'express';
import type { Logger } from '../../lib/logger.ts';
import { requestContext } from '../request-context.ts';

const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
const MAX_LOGGED_PATH = 512;

/**
 * One structured line per request, written when the response closes (so a Server-Sent Events
 * stream is logged when it ends, with its duration). It records the method, the path without the
 * query string (which may carry an `access_token`), the status, the duration, the request id, the
 * client IP and who called; never a header or a token. Health probes and scrapes log at `debug`.
 */
export function accessLog(log: Logger): RequestHandler {
  return (request, response, next) => {
    const startedAt = performance.now();
    response.once('close', () => {
      const path = (request.originalUrl.split('?', 1)[0] ?? '').slice(0, MAX_LOGGED_PATH);
      const { requestId, grant, room } = requestContext(response);
      const status = response.statusCode;
      const level =
        status >= 500 ? 'warn' : QUIET_PATHS.has(path) && status < 400 ? 'debug' : 'info';
      log(level, 'http.request', {
        requestId,
        method: request.method,
        path,
        status,
        durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
        ip: request.ip,
        ...(room ? { roomId: room.id } : {}),
        ...(grant
          ? { participantId: grant.kind === 'room' ? grant.participantId : 'service' }
          : {}),
        ...(response.writableFinished ? {} : { aborted: true }),
      });
    });
    next();
  };
}
