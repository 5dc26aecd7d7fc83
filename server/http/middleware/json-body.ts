import express, { type RequestHandler } from 'express';
import { ERROR_CODE, HttpError } from '../http-error.ts';

/** An error of Express's body parser (`body-parser`): a 4xx `status`, and a `type` unless a decompression stream failed. */
interface BodyParserError {
  type?: unknown;
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

/** The body parser's failures as API errors with clear messages; `encoding` is the request's `Content-Encoding`. */
function fromBodyParser(error: BodyParserError, encoding: string): HttpError {
  switch (error.type) {
    case 'entity.parse.failed': {
      // Strict parsing refuses JSON scalars before parsing them: say what is wrong with them.
      const first = typeof error.body === 'string' ? error.body.trimStart().charAt(0) : '';
      if (first !== '' && first !== '{' && first !== '[' && isJson(error.body as string)) {
        return new HttpError(
          400,
          ERROR_CODE.INVALID_REQUEST,
          'The request body must be a JSON object.',
          { cause: error },
        );
      }
      return new HttpError(
        400,
        ERROR_CODE.INVALID_JSON,
        `The request body is not valid JSON: ${error.message}`,
        { cause: error },
      );
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
      return new HttpError(
        415,
        ERROR_CODE.UNSUPPORTED_MEDIA_TYPE,
        'Send the request body as UTF-8 JSON, without a content encoding',
        { cause: error },
      );
    default:
      // Only the decompression stream fails without a type (zlib's Z_DATA_ERROR, a Brotli format error).
      if (error.type === undefined && encoding !== 'identity') {
        const named = encoding.slice(0, 20);
        return new HttpError(
          400,
          ERROR_CODE.INVALID_REQUEST,
          `The request body is not valid ${named} data (Content-Encoding: ${named})`,
          { cause: error },
        );
      }
      return new HttpError(400, ERROR_CODE.INVALID_REQUEST, 'The request body could not be read', {
        cause: error,
      });
  }
}

/**
 * Parses a JSON body (`express.json`, strict: objects and arrays only; gzip, deflate and br are
 * inflated) and turns every failure of the parser into an {@link HttpError} at once, so a body
 * that is not JSON, too large or not validly compressed is a 4xx with a clear message, never a 500.
 * @example app.use('/api', requireJson, jsonBody({ limitBytes: 64 * 1024 }));
 */
export function jsonBody(options: { limitBytes: number }): RequestHandler {
  const parse = express.json({ limit: options.limitBytes, strict: true });
  return (request, response, next) => {
    parse(request, response, (error?: unknown) => {
      if (error === undefined || !isBodyParserError(error)) {
        next(error);
        return;
      }
      next(
        fromBodyParser(error, (request.get('content-encoding') ?? 'identity').trim().toLowerCase()),
      );
    });
  };
}
