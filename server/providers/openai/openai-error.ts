/**
 * OpenAI SDK errors translated into one {@link ProviderError} at the seam (STYLE §C); the
 * vendor's words are read from the body by `openai-error-body.ts`.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ProviderError } from '../provider-error.ts';
import { readOpenAIErrorBody } from './openai-error-body.ts';
import { capitalize, interruptedStreamError, statusError } from '../stream-failures.ts';

const PROVIDER = 'openai';

/**
 * One {@link ProviderError} for whatever the OpenAI SDK threw. `label` names the server in
 * messages ("OpenAI", or the compatible server's host).
 * @example
 * catch (error) { yield { type: 'error', error: toOpenAIProviderError(error, 'OpenAI') }; }
 */
export function toOpenAIProviderError(error: unknown, label: string): ProviderError {
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError({
      provider: PROVIDER,
      message: `${capitalize(label)} did not answer in time.`,
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof APIConnectionError) {
    return new ProviderError({
      provider: PROVIDER,
      message: `Could not reach ${label} (${describeConnectionError(error)}).`,
      isRetryable: true,
      cause: error,
    });
  }
  if (error instanceof APIError) {
    const detail = readOpenAIErrorBody(error.error);
    const words = detail?.message ?? 'no error message in the response';
    if (error.status === undefined) {
      // An error sent as a stream event, after a 200: retry unless the vendor blamed the request.
      return new ProviderError({
        provider: PROVIDER,
        message: `${capitalize(label)} reported an error mid-reply: ${words}`,
        isRetryable: detail?.type !== 'invalid_request_error',
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

function describeConnectionError(error: APIConnectionError): string {
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message)
    return `${error.message}: ${cause.message}`;
  return error.message;
}
