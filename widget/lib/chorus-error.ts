/** Codes of errors the widget raises itself (the server's REST codes pass through as they are). */
export const WIDGET_ERROR_CODE = {
  NETWORK: 'network_error',
  BAD_RESPONSE: 'bad_response',
  CHANNEL: 'channel_error',
  TIMEOUT: 'timeout',
  NOT_CONNECTED: 'not_connected',
  MISCONFIGURED: 'misconfigured',
} as const;
export type WidgetErrorCode = (typeof WIDGET_ERROR_CODE)[keyof typeof WIDGET_ERROR_CODE];

/**
 * Every failure the widget reports: a stable `code` (the server's REST code, or a
 * {@link WIDGET_ERROR_CODE}), a readable message, the HTTP status when there was one, and the
 * raw reason as `cause`.
 * @example throw new ChorusError('rate_limited', 'Too many messages', { status: 429 });
 */
export class ChorusError extends Error {
  override readonly name = 'ChorusError';
  readonly code: string;
  readonly status: number | undefined;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }

  /** Whether trying again later may succeed (network trouble, 408, 429, 5xx). */
  get retryable(): boolean {
    return (
      this.status === undefined || this.status === 408 || this.status === 429 || this.status >= 500
    );
  }
}

/**
 * Turns any raw reason (an Error, a realtime-js channel error, a string) into a ChorusError.
 * @example channel.subscribe((status, error) => report(toChorusError(error, 'channel_error')));
 */
export function toChorusError(
  reason: unknown,
  code: string = WIDGET_ERROR_CODE.NETWORK,
): ChorusError {
  if (reason instanceof ChorusError) return reason;
  const message =
    reason instanceof Error
      ? reason.message
      : typeof reason === 'string'
        ? reason
        : 'Unknown error';
  return new ChorusError(code, message, { cause: reason });
}
