import type { ReplyErrorCode } from '../../protocol/schemas/message.ts';
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
    super({
      name: 'ProviderError',
      code: 'provider_error',
      message: options.message,
      status: 502,
      cause: options.cause,
    });
    this.provider = options.provider;
    this.statusCode = options.statusCode;
    this.isRetryable =
      options.isRetryable ??
      (options.statusCode === undefined || isRetryableStatus(options.statusCode));
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * As the Vercel AI SDK's APICallError: timeouts, conflicts, rate limits and server errors are
 * worth a retry; other 4xx answers will fail the same way again.
 * @example
 * isRetryableStatus(429); // true
 * isRetryableStatus(401); // false
 */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
}

/**
 * The public code a failed reply carries (docs/architecture.md §5, "Failed replies"): the
 * provider's own text names hosts and ports, so it goes to the logs and never to visitors.
 * @example
 * replyErrorCode(new ProviderError({ provider: 'openai', message: 'fetch failed' })); // 'agent_unavailable'
 * replyErrorCode(new ProviderError({ provider: 'openai', message: 'bad key', statusCode: 401 })); // 'agent_refused'
 */
export function replyErrorCode(failure: ProviderError): ReplyErrorCode {
  return failure.isRetryable ? 'agent_unavailable' : 'agent_refused';
}
