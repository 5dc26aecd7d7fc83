import { AppError } from '../lib/app-error.ts';

/**
 * The one error a provider adapter reports, whatever the SDK underneath threw. The orchestrator
 * retries `isRetryable` errors before the first token and never sees an SDK error type.
 */
export class ProviderError extends AppError {
  readonly provider: string;
  /** The HTTP status the provider answered with, when there was one. */
  readonly statusCode: number | undefined;
  readonly isRetryable: boolean;
  /** From `retry-after`, when the provider said how long to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(options: {
    provider: string;
    message: string;
    statusCode?: number;
    isRetryable?: boolean;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super({ name: 'ProviderError', code: 'provider_error', message: options.message, status: 502, cause: options.cause });
    this.provider = options.provider;
    this.statusCode = options.statusCode;
    // As the Vercel AI SDK's APICallError: timeouts, rate limits and server errors are worth a retry.
    this.isRetryable =
      options.isRetryable ??
      (options.statusCode === undefined ||
        options.statusCode === 408 ||
        options.statusCode === 409 ||
        options.statusCode === 429 ||
        options.statusCode >= 500);
    this.retryAfterMs = options.retryAfterMs;
  }
}
