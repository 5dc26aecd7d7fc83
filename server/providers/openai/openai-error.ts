/**
 * OpenAI SDK errors translated into one {@link ProviderError} at the seam (STYLE §C). The vendor's
 * error body is read with a schema: OpenAI and most compatible servers send
 * `{ error: { message, type, code } }`, a few send `{ error: "text" }`.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { z } from 'zod';
import { ProviderError } from '../provider-error.ts';
import { capitalize, interruptedStreamError, statusError } from '../stream-failures.ts';

const PROVIDER = 'openai';

const errorDetailSchema = z.object({
  message: z.string(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});

/**
 * What `APIError.error` holds: the body's `error` member (an object or a bare string), or, for
 * errors that arrive as a stream event, sometimes the whole body.
 */
export const openAIErrorBodySchema = z.union([
  errorDetailSchema,
  z.object({ error: z.union([errorDetailSchema, z.string()]) }),
  z.string().min(1),
  z.object({ detail: z.string() }),
]);

/** The error's message, type and code as the vendor wrote them, when its body has them. */
export interface VendorErrorDetail {
  message: string;
  type?: string;
  code?: string;
}

/**
 * Reads the vendor's words out of an error body in any of the shapes OpenAI-compatible servers use.
 * @example
 * readOpenAIErrorBody({ message: 'Incorrect API key provided', type: 'invalid_request_error' });
 * // { message: 'Incorrect API key provided', type: 'invalid_request_error' }
 */
export function readOpenAIErrorBody(body: unknown): VendorErrorDetail | undefined {
  const parsed = openAIErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const value = parsed.data;
  if (typeof value === 'string') return { message: value };
  if ('detail' in value) return { message: value.detail };
  const detail = 'error' in value ? value.error : value;
  if (typeof detail === 'string') return { message: detail };
  return {
    message: detail.message,
    ...(detail.type ? { type: detail.type } : {}),
    ...(detail.code !== null && detail.code !== undefined ? { code: String(detail.code) } : {}),
  };
}

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
