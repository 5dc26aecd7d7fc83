import { AppError } from '../lib/app-error.ts';

/** An error with an HTTP status and a stable code, rendered as `{ error: { code, message } }`. */
export class HttpError extends AppError {
  constructor(status: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super({ name: 'HttpError', code, message, status, cause: options.cause });
  }
}
