import type { ErrorRequestHandler } from 'express';
import type { ApiErrorBody } from '../../../protocol/room.ts';
import { AppError } from '../../lib/app-error.ts';
import type { Logger } from '../../lib/logger.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { requestContext } from '../request-context.ts';

/** An error of Express's body parser (`body-parser`): it carries a `type` and a 4xx `status`. */
interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
  /** The raw body, for parse failures. */
  body?: unknown;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    'type' in error &&
    typeof error.type === 'string' &&
    'status' in error &&
    typeof error.status === 'number' &&
    error.status < 500
  );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The body parser's failures as API errors with clear messages. */
function fromBodyParser(error: BodyParserError): HttpError {
  switch (error.type) {
    case 'entity.parse.failed': {
      // Strict parsing refuses JSON scalars before parsing them: say what is wrong with them.
      const first = typeof error.body === 'string' ? error.body.trimStart().charAt(0) : '';
      if (first !== '' && first !== '{' && first !== '[' && isJson(error.body as string)) {
        return new HttpError(400, ERROR_CODE.INVALID_REQUEST, 'The request body must be a JSON object.', { cause: error });
      }
      return new HttpError(400, ERROR_CODE.INVALID_JSON, `The request body is not valid JSON: ${error.message}`, { cause: error });
    }
    case 'entity.too.large':
      return new HttpError(
        413,
        ERROR_CODE.PAYLOAD_TOO_LARGE,
        `The request body is larger than ${error.limit !== undefined ? `${Math.floor(error.limit / 1024)} KB` : 'the limit'}`,
        { cause: error },
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, ERROR_CODE.UNSUPPORTED_MEDIA_TYPE, 'Send the request body as UTF-8 JSON, without a content encoding', { cause: error });
    default:
      return new HttpError(400, ERROR_CODE.INVALID_REQUEST, 'The request body could not be read', { cause: error });
  }
}

/**
 * The single error handler (STYLE §C): an {@link AppError} with a 4xx status, or any
 * {@link HttpError}, is rendered as `{ error: { code, message, requestId } }` with its status (and
 * headers); anything else is a 500 that exposes nothing, logged once with its cause.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (caught: unknown, request, response, _next) => {
    const error = isBodyParserError(caught) ? fromBodyParser(caught) : caught;
    const { requestId } = requestContext(response);
    if (response.headersSent) {
      // A stream (SSE) that failed after it started: nothing can be said any more, just end it.
      log('error', 'http.stream_failed', { requestId, method: request.method, path: request.path, error });
      response.end();
      return;
    }
    // Errors we raise on purpose say what went wrong; an HttpError may be a 5xx (e.g. 503 when the
    // realtime layer is down), whose message was written for the client too.
    if ((error instanceof AppError && error.status < 500) || error instanceof HttpError) {
      if (error.status >= 500) log('warn', 'http.unavailable', { requestId, method: request.method, path: request.path, error, cause: error.cause });
      if (error instanceof HttpError) response.set(error.headers);
      if (error.status === 401) response.set('WWW-Authenticate', 'Bearer realm="chorus"');
      const body: ApiErrorBody = { error: { ...error.toJSON(), requestId } };
      response.status(error.status).json(body);
      return;
    }
    const cause = error instanceof Error ? error.cause : undefined;
    log('error', 'http.unhandled_error', { requestId, method: request.method, path: request.path, error, ...(cause === undefined ? {} : { cause }) });
    const body: ApiErrorBody = { error: { code: ERROR_CODE.INTERNAL, message: 'Something went wrong on our side', requestId } };
    response.status(500).json(body);
  };
}
