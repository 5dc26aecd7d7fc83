import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { RequestContext } from '../request-context.ts';

/** An incoming id is kept only when it is short and plain, so it is safe in logs and headers. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id: the caller's `X-Request-Id` when it is well-formed, else a UUID.
 * It is echoed in the `X-Request-Id` response header, in error bodies and in the access log.
 */
export const requestId: RequestHandler = (request, response, next) => {
  const incoming = request.get('x-request-id');
  const id = incoming !== undefined && ACCEPTED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  (response.locals as RequestContext).requestId = id;
  response.set('X-Request-Id', id);
  next();
};
