import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../lib/logger.ts';
import { AppError } from '../../lib/app-error.ts';
import { HttpError } from '../http-error.ts';

/** Last route: anything unmatched is a JSON 404. */
export const notFound: RequestHandler = (request, _response, next) => {
  next(new HttpError(404, 'not_found', `No route for ${request.method} ${request.path}`));
};

/** Maps a client-side {@link AppError} to its status; anything else is a 500 that exposes nothing. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    if (isBodyParserError(error)) error = new HttpError(error.status, 'invalid_body', 'The request body is not valid JSON', { cause: error });
    if (error instanceof AppError && error.status < 500) {
      response.status(error.status).json({ error: { ...error.toJSON(), requestId: response.locals.requestId } });
      return;
    }
    log('error', 'http.unhandled_error', { method: request.method, path: request.path, error });
    response.status(500).json({ error: { code: 'internal', message: 'Something went wrong on our side' } });
  };
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error && typeof error.status === 'number' && error.status < 500;
}
