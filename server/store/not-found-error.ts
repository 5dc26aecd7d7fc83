import { AppError } from '../lib/app-error.ts';

/** Thrown when a room or message the caller names does not exist. */
export class NotFoundError extends AppError {
  constructor(what: string) {
    super({
      name: 'NotFoundError',
      code: 'not_found',
      status: 404,
      message: `${what} was not found`,
    });
  }
}
