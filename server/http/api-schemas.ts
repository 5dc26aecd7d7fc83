/**
 * The server's limits on the REST API. The shapes of its bodies and answers are the contract in
 * protocol/schemas/rest.ts; these are the numbers an operator sets.
 */

/** Limits of the REST API, settable as `CHORUS_LIMIT_*` (docs/architecture.md §6). */
export interface ApiLimits {
  /** Characters of one message (`CHORUS_LIMIT_MESSAGE_CHARS`). */
  messageChars: number;
  /** Messages (posts and regenerations) per participant per minute (`CHORUS_LIMIT_MESSAGES_PER_MINUTE`). */
  messagesPerMinute: number;
  /** Messages (posts and regenerations) per client IP per minute, all its sessions together (`CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE`). */
  messagesPerIpPerMinute: number;
  /** New sessions (`POST /api/session`) per client IP per minute (`CHORUS_LIMIT_SESSIONS_PER_MINUTE`). */
  sessionsPerMinute: number;
  /** API requests of any kind per client IP per minute (`CHORUS_LIMIT_REQUESTS_PER_MINUTE`). */
  requestsPerMinute: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  messageChars: 8_000,
  messagesPerMinute: 30,
  messagesPerIpPerMinute: 120,
  sessionsPerMinute: 200,
  requestsPerMinute: 1_200,
};
