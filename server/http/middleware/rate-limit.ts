import type { Request, RequestHandler } from 'express';
import type { RateLimiter } from '../../auth/rate-limit.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';

/**
 * Counts one hit of `key` and throws a 429 `rate_limited` with `Retry-After` when it is over
 * the limit. `what` completes "Too many …".
 * @example await takeRateLimit(messages, participantId, 'messages from you in this room');
 */
export async function takeRateLimit(
  limiter: RateLimiter,
  key: string,
  what: string,
): Promise<void> {
  const decision = await limiter.hit(key);
  if (decision.allowed) return;
  const seconds = decision.retryAfterSeconds;
  throw new HttpError(
    429,
    ERROR_CODE.RATE_LIMITED,
    `Too many ${what} (the limit is ${decision.limit} a minute); try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
    { headers: { 'Retry-After': String(seconds) } },
  );
}

/** The limits every post is counted against: the participant's in the room, and their network's. */
export interface MessageLimits {
  messagesPerParticipant: RateLimiter;
  messagesPerIp: RateLimiter;
}

/**
 * Counts one message of `participantId` in `roomId` against its limit and its IP's (a new
 * session does not reset the IP's); throws a 429 for the first one over.
 */
export async function takeMessageLimits(
  limits: MessageLimits,
  request: Request,
  roomId: string,
  participantId: string,
): Promise<void> {
  await takeRateLimit(
    limits.messagesPerParticipant,
    JSON.stringify([roomId, participantId]), // unambiguous, and storable as Postgres text
    'messages from you in this room',
  );
  await takeRateLimit(limits.messagesPerIp, request.ip ?? 'unknown', 'messages from your network');
}

/** A middleware that limits requests per client IP (`request.ip`, which honours `trust proxy`). */
export function rateLimitByIp(limiter: RateLimiter, what: string): RequestHandler {
  return async (request: Request, _response, next) => {
    await takeRateLimit(limiter, request.ip ?? 'unknown', what);
    next();
  };
}
