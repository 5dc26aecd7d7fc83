import { AppError } from '../lib/app-error.ts';

/**
 * An error with an HTTP status and a stable code, rendered by the error handler as
 * `{ error: { code, message, requestId } }`; `headers` go out with it (e.g. `Retry-After`).
 * @example throw new HttpError(403, 'forbidden_room', 'This token is for room "a", not "b"');
 */
export class HttpError extends AppError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super({ name: 'HttpError', code, message, status, cause: options.cause });
    this.headers = options.headers ?? {};
  }
}

/** Stable error codes of the REST API (documented in the OpenAPI document). */
export const ERROR_CODE = {
  INVALID_REQUEST: 'invalid_request',
  INVALID_JSON: 'invalid_json',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN_ROOM: 'forbidden_room',
  /** The token's role may not do this (docs/architecture.md §8). */
  FORBIDDEN: 'forbidden',
  /** Staff muted the participant. */
  MUTED: 'muted',
  NOT_A_SUPPORT_ROOM: 'not_a_support_room',
  NOT_A_CONVERSATION: 'not_a_conversation',
  IDENTITY_REQUIRED: 'identity_required',
  INVALID_IDENTITY: 'invalid_identity',
  /** A display name that is, once normalised, one of the room's agents' (`POST /api/session`). */
  NAME_TAKEN: 'name_taken',
  /** A `Host` the server does not expect, with no `CHORUS_PUBLIC_URL` to build URLs from. */
  HOST_NOT_ALLOWED: 'host_not_allowed',
  PARTICIPANT_REQUIRED: 'participant_required',
  ORIGIN_NOT_ALLOWED: 'origin_not_allowed',
  NOT_FOUND: 'not_found',
  RATE_LIMITED: 'rate_limited',
  REALTIME_UNAVAILABLE: 'realtime_unavailable',
  INTERNAL: 'internal',
} as const;
export type ErrorCode = (typeof ERROR_CODE)[keyof typeof ERROR_CODE];
