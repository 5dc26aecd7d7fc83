/**
 * Anthropic SDK errors translated into one {@link ProviderError} at the seam (STYLE §C). Anthropic
 * answers errors with `{ type: 'error', error: { type, message }, request_id }`, both as an HTTP
 * body and as an `error` event in the middle of a stream (e.g. `overloaded_error`).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import { z } from 'zod';
import { isRetryableStatus, ProviderError } from '../provider-error.ts';
import { capitalize, interruptedStreamError, statusError } from '../stream-failures.ts';

const PROVIDER = 'anthropic';

/** Anthropic's error body. Unknown extra fields (`details`…) are allowed and ignored. */
export const anthropicErrorBodySchema = z.object({
  type: z.literal('error'),
  error: z.object({ type: z.string(), message: z.string() }),
  request_id: z.string().nullish(),
});

export type AnthropicErrorBody = z.infer<typeof anthropicErrorBodySchema>;

/**
 * The HTTP status each documented error type comes with; it decides whether an error that arrived
 * as a stream event (after a 200) is worth a retry.
 */
const STATUS_OF_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * One {@link ProviderError} for whatever the Anthropic SDK threw. `label` names the server in
 * messages ("Anthropic", or a proxy's host).
 * @example
 * catch (error) { yield { type: 'error', error: toAnthropicProviderError(error, 'Anthropic') }; }
 */
export function toAnthropicProviderError(error: unknown, label: string): ProviderError {
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError({
      provider: PROVIDER,
      message: `${capitalize(label)} did not answer in time.`,
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof APIConnectionError) {
    const cause: unknown = error.cause;
    const detail =
      cause instanceof Error && cause.message !== error.message
        ? `${error.message}: ${cause.message}`
        : error.message;
    return new ProviderError({
      provider: PROVIDER,
      message: `Could not reach ${label} (${detail}).`,
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof APIError) {
    const parsed = anthropicErrorBodySchema.safeParse(error.error);
    const body = parsed.success ? parsed.data : undefined;
    const words = describeBody(body);
    if (error.status === undefined) {
      const equivalentStatus = body ? STATUS_OF_ERROR_TYPE[body.error.type] : undefined;
      return new ProviderError({
        provider: PROVIDER,
        message: `${capitalize(label)} reported an error mid-reply: ${words}`,
        isRetryable: equivalentStatus === undefined || isRetryableStatus(equivalentStatus),
        cause: error,
      });
    }
    return statusError(
      PROVIDER,
      label,
      { status: error.status, headers: error.headers },
      words,
      error,
    );
  }
  return interruptedStreamError(PROVIDER, error, label);
}

/** `overloaded_error: Overloaded (request req_123)`, or a plain note when the body was not Anthropic's. */
function describeBody(body: AnthropicErrorBody | undefined): string {
  if (!body) return 'no error message in the response';
  const request = body.request_id ? ` (request ${body.request_id})` : '';
  return `${body.error.type}: ${body.error.message}${request}`;
}
