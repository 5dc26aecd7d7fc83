import type { RequestHandler } from 'express';
import { ERROR_CODE, HttpError } from '../http-error.ts';

/** Last route: anything unmatched is a JSON 404. */
export const notFound: RequestHandler = (request, _response, next) => {
  next(
    new HttpError(
      404,
      ERROR_CODE.NOT_FOUND,
      `No route for ${request.method} ${request.path.slice(0, 200)}`,
    ),
  );
};
