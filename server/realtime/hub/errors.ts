import { JWT_ERROR, type JwtError } from '../../auth/jwt.ts';

/** Supabase Realtime's join refusal for a token that failed verification. */
export function joinTokenReason(error: JwtError): string {
  switch (error.kind) {
    case JWT_ERROR.EXPIRED:
      return `InvalidJWTToken: Token has expired ${error.expiredSecondsAgo} seconds ago`;
    case JWT_ERROR.MISSING_CLAIMS:
    case JWT_ERROR.INVALID_EXP:
      return `InvalidJWTToken: ${error.message}`;
    case JWT_ERROR.MALFORMED:
      return `MalformedJWT: ${error.message}`;
    case JWT_ERROR.SIGNATURE:
    case JWT_ERROR.ALGORITHM: // a token whose algorithm is not accepted cannot have a valid signature
      return `JwtSignatureError: ${error.message}`;
  }
}

/** The `system` message text that closes a channel whose refreshed or aging token failed. */
export function channelTokenMessage(error: JwtError): string {
  return error.kind === JWT_ERROR.EXPIRED
    ? `Token has expired ${error.expiredSecondsAgo} seconds ago`
    : error.message;
}

export const JOIN_REASON = {
  TOPIC_REQUIRED: 'TopicNameRequired: You must provide a topic name',
  TOO_MANY_CHANNELS: 'ChannelRateLimitReached: Too many channels',
  TOO_MANY_JOINS: 'ClientJoinRateLimitReached: Too many joins per second',
  PRIVATE_ONLY: 'PrivateOnly: This project only allows private channels',
  REPLAY_PUBLIC: 'UnableToReplayMessages: Replay is not allowed for public channels',
  RESTARTING: 'RealtimeRestarting: Realtime is restarting, please standby',
  unauthorized: (subTopic: string) =>
    `Unauthorized: You do not have permissions to read from this Channel topic: ${subTopic}`,
} as const;

export const SYSTEM_MESSAGE = {
  TOO_MANY_EVENTS: 'Too many messages per second',
  PRESENCE_RATE: 'Client presence rate limit exceeded',
  TRACK_TOO_BIG: 'Track message size exceeded',
  lostAccess: (subTopic: string) =>
    `You no longer have permission to read from this Channel topic: ${subTopic}`,
} as const;

/** WebSocket close codes the hub uses, as Phoenix/Supabase do. */
export const CLOSE_CODE = {
  GOING_AWAY: 1001,
  SERVICE_RESTART: 1012,
} as const;
