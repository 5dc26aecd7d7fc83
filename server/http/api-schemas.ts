/**
 * The REST API's request and response shapes (docs/architecture.md §3), as zod schemas: requests are
 * validated with them, and the OpenAPI document is generated from them, so the two never drift.
 * Messages are written to read after the field name: `"content" must not be blank`.
 */
import { z } from 'zod';
import { hasVisibleCharacter, MAX_DISPLAY_NAME_LENGTH, UNSAFE_NAME_CHARACTERS } from '../lib/display-name.ts';
import { AUTHOR_KINDS, MESSAGE_STATUSES, REPLY_REASONS, ROOM_ID_PATTERN, SPEAKER_POLICIES } from '../../protocol/room.ts';

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

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Half of a UTF-16 surrogate pair without the other half: not text, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const roomIdSchema = z
  .string()
  .regex(ROOM_ID_PATTERN, 'must be 1–64 characters of A–Z, a–z, 0–9, _ or -')
  .describe('Room id: 1–64 characters of `[A-Za-z0-9_-]`.');

/** A message id: a UUID, normalised to lower case (as Postgres returns it). */
export const messageIdSchema = z.string().regex(UUID_PATTERN, 'must be a UUID').toLowerCase().describe('A UUID.');

export const agentHandleSchema = z
  .string()
  .regex(/^[a-z0-9_-]{2,32}$/, 'must be an agent handle (2–32 characters of a–z, 0–9, _ or -, without the @)')
  .describe('An agent handle, without the `@`.');

/** A person's display name (`server/lib/display-name.ts`); zod counts its length by code point, as JSON Schema's `maxLength` does. */
export const displayNameSchema = z
  .string()
  .normalize('NFC')
  .trim()
  .min(1, { message: 'must not be empty', abort: true })
  .max(MAX_DISPLAY_NAME_LENGTH, { message: `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`, abort: true })
  .refine((name) => !UNSAFE_NAME_CHARACTERS.test(name), { message: 'must not contain control or bidirectional-override characters', abort: true })
  .refine(hasVisibleCharacter, 'must have a visible character (zero-width and control characters do not count)')
  .describe(`Display name: 1–${MAX_DISPLAY_NAME_LENGTH} characters after trimming, something visible, no control characters, not the name of one of the room's agents.`);

export const identitySchema = z
  .strictObject({
    userId: z
      .string()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters')
      .refine((id) => !UNSAFE_NAME_CHARACTERS.test(id), 'must not contain control characters'),
    signature: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the hex HMAC-SHA256 of userId (64 hex characters)'),
    name: displayNameSchema.optional(),
  })
  .describe("A user vouched for by the host site: `signature` is the hex HMAC-SHA256 of `userId` with the server's `CHORUS_IDENTITY_SECRET`.");

export const identityTokenSchema = z
  .string()
  .max(4096, 'must be at most 4096 characters')
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/, 'must be an identity JWT (three base64url segments) or { userId, signature }')
  .describe("An identity JWT signed by the host site (HS256 with `CHORUS_IDENTITY_SECRET`): claims `sub`, `name`, optional `role` (`member`, `operator`, `admin`), `exp` at most 24 h ahead.");

export const sessionRequestSchema = z.strictObject({
  room: roomIdSchema,
  name: displayNameSchema,
  identity: z.union([identityTokenSchema, identitySchema]).optional(),
});

/** The body of `POST /api/rooms/:room/messages`, with the configured length limit. */
export function postMessageRequestSchema(maxChars: number) {
  return z.strictObject({
    id: messageIdSchema.describe('Client-minted UUID: retrying with the same id and content is idempotent.'),
    content: z
      .string()
      .max(maxChars, `must be at most ${maxChars} characters`)
      .refine((content) => content.trim() !== '', 'must not be empty or only whitespace')
      .refine((content) => !content.includes('\u0000'), 'must not contain NUL characters')
      .refine((content) => !LONE_SURROGATE.test(content), 'must be valid Unicode text (no lone surrogates)')
      .describe(`Markdown text, 1–${maxChars} characters, not only whitespace. Mention agents as \`@handle\`.`),
  });
}

export const stopRequestSchema = z
  .strictObject({
    messageId: messageIdSchema.optional(),
    agentId: agentHandleSchema.optional(),
    all: z.literal(true, 'must be true').optional(),
  })
  .refine((body) => [body.messageId, body.agentId, body.all].filter((value) => value !== undefined).length === 1, {
    message: 'must have exactly one of "messageId", "agentId" or "all": true',
  })
  .meta({
    description: "Exactly one of `messageId` (one reply), `agentId` (that agent's replies) or `all: true` (every reply in the room).",
    minProperties: 1,
    maxProperties: 1,
  });

export const messagesQuerySchema = z.object({
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a cursor returned as nextCursor')
    .optional()
    .describe('`nextCursor` of the previous page: returns older messages.'),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .optional()
    .describe(`Messages per page, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`),
});

export const roomParamsSchema = z.object({ room: roomIdSchema });
export const messageParamsSchema = z.object({ room: roomIdSchema, id: messageIdSchema });

// Responses (documentation; the handlers build them from typed values).

const authorSchema = z.object({ kind: z.enum(AUTHOR_KINDS), id: z.string(), name: z.string() });

const messagePartSchema = z.union([
  z.object({ type: z.literal('reasoning'), text: z.string() }),
  z.object({ type: z.literal('tool-call'), callId: z.string(), name: z.string(), args: z.unknown() }),
  z.object({ type: z.literal('tool-result'), callId: z.string(), name: z.string(), result: z.unknown().optional(), error: z.string().optional() }),
]);

export const messageSchema = z
  .object({
    id: z.string(),
    roomId: z.string(),
    author: authorSchema,
    content: z.string(),
    parts: z.array(messagePartSchema),
    status: z.enum(MESSAGE_STATUSES),
    seq: z.number().int().describe('The last delta/part sequence number applied (0 for human messages).'),
    replyTo: z.string().nullable(),
    reason: z.enum(REPLY_REASONS).nullable(),
    model: z.string().nullable(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).nullable(),
    error: z.string().nullable(),
    stoppedBy: z.object({ id: z.string(), name: z.string() }).nullable().optional().describe('Who stopped the reply (status `cancelled`), when a participant did.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  });

export const roomSettingsSchema = z
  .object({
    policy: z.enum(SPEAKER_POLICIES),
    agents: z.array(z.string()),
    guestAccess: z.boolean(),
    tokensPerDay: z.number().int(),
    maxAgentTurns: z.number().int(),
  });

export const agentSchema = z
  .object({ id: z.string(), name: z.string(), handle: z.string(), color: z.string(), model: z.string(), description: z.string() });

export const sessionResponseSchema = z.object({
  token: z.string().describe('Room token (JWT): the Realtime access token and the REST bearer. Refresh it before `expiresAt`.'),
  expiresAt: z.string().describe('ISO 8601.'),
  participant: z.object({ id: z.string(), name: z.string() }),
  room: z.object({ id: z.string(), title: z.string() }),
  realtime: z.object({
    url: z.string(),
    apikey: z.string().describe('The anon key (safe in a browser).'),
    typing: z.enum(['channel', 'server']).describe('How to send typing: a `typing` broadcast on the channel, or `POST /api/rooms/:room/typing` (an external Realtime).'),
  }),
});

export const roomResponseSchema = z.object({
  room: z.object({ id: z.string(), title: z.string(), settings: roomSettingsSchema }),
  agents: z.array(agentSchema),
});

export const messagePageSchema = z.object({
  messages: z.array(messageSchema).describe('Oldest first; in-flight replies included with their content so far.'),
  nextCursor: z.string().nullable(),
});

export const messageResponseSchema = z.object({ message: messageSchema });
export const stopResponseSchema = z.object({ status: z.literal('stopping') });
export const regenerateResponseSchema = z.object({ messageId: z.string().describe('The id the new reply will have.') });
export const healthResponseSchema = z.object({ status: z.string() });

export const errorResponseSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string().optional() }) });
