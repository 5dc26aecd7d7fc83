import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../lib/logger.ts';
import { HttpError } from '../http-error.ts';

/** Last route: anything unmatched is a JSON 404. */
export const notFound: RequestHandler = (request, _response, next) => {
  next(new HttpError(404, 'not_found', `No route for ${request.method} ${request.path}`));
};

/** Maps an {@link HttpError} to its status; anything else is a 500 that exposes nothing. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    if (isBodyParserError(error)) error = new HttpError(error.status, 'invalid_body', 'The request body is not valid JSON', { cause: error });
    if (error instanceof HttpError) {
      response.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    log('error', 'http.unhandled_error', { method: request.method, path: request.path, error });
    response.status(500).json({ error: { code: 'internal', message: 'Something went wrong on our side' } });
  };
}

function isBodyParserError(error: unknown): error is { status: number; type: string } {
  return typeof error === 'object' && error !== null && 'type' in error && 'status' in error && typeof error.status === 'number' && error.status < 500;
}
