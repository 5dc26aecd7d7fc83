/**
 * The base of every error Chorus raises on purpose: a stable `code`, a message fit for a user,
 * an HTTP status where one applies, and always the `cause`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(options: {
    name?: string;
    code: string;
    message: string;
    status?: number;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = options.name ?? 'AppError';
    this.code = options.code;
    this.status = options.status ?? 500;
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}
