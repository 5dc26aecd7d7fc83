import type { ErrorRequestHandler } from 'express';
import type { ApiErrorBody } from '../../../protocol/room.ts';
import { AppError } from '../../lib/app-error.ts';
import type { Logger } from '../../lib/logger.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { requestContext } from '../request-context.ts';

/**
 * The single error handler (STYLE §C): an {@link AppError} with a 4xx status, or any
 * {@link HttpError}, is rendered as `{ error: { code, message, requestId } }` with its status (and
 * headers); anything else is a 500 that exposes nothing, logged once with its cause.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const { requestId } = requestContext(response);
    if (response.headersSent) {
      // A stream (SSE) that failed after it started: nothing can be said any more, just end it.
      log('error', 'http.stream_failed', {
        requestId,
        method: request.method,
        path: request.path,
        error,
      });
      response.end();
      return;
    }
    // Errors we raise on purpose say what went wrong; an HttpError may be a 5xx (e.g. 503 when the
    // realtime layer is down), whose message was written for the client too.
    if ((error instanceof AppError && error.status < 500) || error instanceof HttpError) {
      if (error.status >= 500)
        log('warn', 'http.unavailable', {
          requestId,
          method: request.method,
          path: request.path,
          error,
          cause: error.cause,
        });
      if (error instanceof HttpError) response.set(error.headers);
      if (error.status === 401) response.set('WWW-Authenticate', 'Bearer realm="chorus"');
      const body: ApiErrorBody = { error: { ...error.toJSON(), requestId } };
      response.status(error.status).json(body);
      return;
    }
    const cause = error instanceof Error ? error.cause : undefined;
    log('error', 'http.unhandled_error', {
      requestId,
      method: request.method,
      path: request.path,
      error,
      ...(cause === undefined ? {} : { cause }),
    });
    const body: ApiErrorBody = {
      error: { code: ERROR_CODE.INTERNAL, message: 'Something went wrong on our side', requestId },
    };
    response.status(500).json(body);
  };
}
