import type { RequestHandler } from 'express';
import { ERROR_CODE, HttpError } from '../http-error.ts';

/** A request that carries a body must say it is JSON; anything else is a 415 before parsing. */
export const requireJson: RequestHandler = (request, _response, next) => {
  const hasBody =
    request.headers['transfer-encoding'] !== undefined ||
    Number(request.headers['content-length'] ?? 0) > 0;
  if (!hasBody || request.is('application/json')) {
    next();
    return;
  }
  const type = request.get('content-type');
  throw new HttpError(
    415,
    ERROR_CODE.UNSUPPORTED_MEDIA_TYPE,
    `Send the request body as JSON with "Content-Type: application/json"${type ? ` (got "${type.slice(0, 100)}")` : ' (no Content-Type was sent)'}`,
  );
};
