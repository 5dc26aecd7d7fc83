/**
 * Failures every streaming adapter meets in the same way: the connection dropping mid-reply and a
 * stream that ends before the provider said it was finished. Both are worth a retry.
 */
import { ProviderError } from './provider-error.ts';
import { parseRetryAfter } from './retry-after.ts';

/**
 * The connection broke while the reply was streaming (reset, socket closed, proxy timeout).
 * @example
 * yield { type: 'error', error: interruptedStreamError('openai', error) };
 */
export function interruptedStreamError(
  provider: string,
  cause: unknown,
  label = displayName(provider),
): ProviderError {
  return new ProviderError({
    provider,
    message: `The connection to ${label} broke before the reply finished (${describeCause(cause)}).`,
    isRetryable: true,
    cause,
  });
}

/**
 * The response ended cleanly but without the provider's final event, so the reply is incomplete.
 * @example
 * if (!sawFinish) yield { type: 'error', error: truncatedStreamError('anthropic') };
 */
/**
 * An HTTP error answer from the provider: its status, its `retry-after`, and `words` (the vendor's
 * own explanation) in the message.
 */
export function statusError(
  provider: string,
  label: string,
  error: { status: number; headers?: Parameters<typeof parseRetryAfter>[0] },
  words: string,
  cause: unknown,
): ProviderError {
  return new ProviderError({
    provider,
    message: `${capitalize(label)} answered ${error.status}: ${words}`,
    statusCode: error.status,
    retryAfterMs: parseRetryAfter(error.headers),
    cause,
  });
}

export function truncatedStreamError(
  provider: string,
  label = displayName(provider),
): ProviderError {
  return new ProviderError({
    provider,
    message: `${capitalize(label)} ended the stream before the reply finished.`,
    isRetryable: true,
  });
}

/** `openai` → `OpenAI`, for messages a person reads. */
function displayName(provider: string): string {
  if (provider === 'openai') return 'OpenAI';
  if (provider === 'anthropic') return 'Anthropic';
  return provider;
}

/** The innermost useful words of an error chain: undici hides "other side closed" in `cause`. */
function describeCause(cause: unknown): string {
  const messages: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    if (current.message && !messages.includes(current.message)) messages.push(current.message);
    current = current.cause;
  }
  return messages.length > 0 ? messages.join(': ') : String(cause);
}

/**
 * The first letter in upper case, for a label that starts a sentence.
 * @example
 * capitalize('the OpenAI-compatible server at localhost:11434'); // 'The OpenAI-compatible server at localhost:11434'
 */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
