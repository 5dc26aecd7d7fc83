/**
 * The REST API's bodies and answers (docs/architecture.md §3), as zod schemas: the server validates
 * requests with them, the OpenAPI document is generated from them (server/http/openapi.ts), and the
 * API tests parse every answer with them. Answers are strict objects, so a field the server sends
 * that is not written here fails a test. Messages are written to read after the field name:
 * `"content" must not be blank`.
 */
import { z } from 'zod';
import { pageLimit } from './paging.ts';
import { roomSessionSchema } from './sessions.ts';
import {
  hasVisibleCharacter,
  MAX_DISPLAY_NAME_LENGTH,
  UNSAFE_NAME_CHARACTERS,
} from '../display-name.ts';
import { ROOM_ID_PATTERN } from '../room.ts';
import { messageSchema, participantSchema } from './message.ts';
import { agentHandleSchema, roomSettingsSchema, roomSummarySchema } from './rooms.ts';

export {
  adminRoomResponseSchema,
  adminRoomSchema,
  adminRoomsResponseSchema,
  adminRoomUpdateSchema,
  agentHandleSchema,
  roomSettingsFields,
  roomSettingsSchema,
  roomSummarySchema,
} from './rooms.ts';
export type { AdminRoom, RoomSettings, RoomSettingsPatch, RoomSummary } from './rooms.ts';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

const UUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Half of a UTF-16 surrogate pair without the other half: not text, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Parts of requests.

export const roomIdSchema = z
  .string()
  .regex(ROOM_ID_PATTERN, 'must be 1–64 characters of A–Z, a–z, 0–9, _ or -')
  .describe('Room id: 1–64 characters of `[A-Za-z0-9_-]`.');

/** A message id: a UUID, normalised to lower case (as Postgres returns it). */
export const messageIdSchema = z
  .string()
  .regex(UUID_PATTERN, 'must be a UUID')
  .toLowerCase()
  .describe('A UUID.');

/** A person's display name (protocol/display-name.ts); zod counts its length by code point, as JSON Schema's `maxLength` does. */
export const displayNameSchema = z
  .string()
  .normalize('NFC')
  .trim()
  .min(1, { message: 'must not be empty', abort: true })
  .max(MAX_DISPLAY_NAME_LENGTH, {
    message: `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`,
    abort: true,
  })
  .refine((name) => !UNSAFE_NAME_CHARACTERS.test(name), {
    message: 'must not contain control or bidirectional-override characters',
    abort: true,
  })
  .refine(
    hasVisibleCharacter,
    'must have a visible character (zero-width and control characters do not count)',
  )
  .describe(
    `Display name: 1–${MAX_DISPLAY_NAME_LENGTH} characters after trimming, something visible, no control characters, not the name of one of the room's agents.`,
  );

/** A host-signed identity (`signature` = hex HMAC-SHA256 of `userId` with the server's identity secret). */
export const identitySchema = z
  .strictObject({
    userId: z
      .string()
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters')
      .refine((id) => !UNSAFE_NAME_CHARACTERS.test(id), 'must not contain control characters'),
    signature: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the hex HMAC-SHA256 of userId (64 hex characters)'),
    name: displayNameSchema.optional(),
  })
  .describe(
    "A user vouched for by the host site: `signature` is the hex HMAC-SHA256 of `userId` with the server's `CHORUS_IDENTITY_SECRET`.",
  );

export const identityTokenSchema = z
  .string()
  .max(4096, 'must be at most 4096 characters')
  .regex(
    /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/,
    'must be an identity JWT (three base64url segments) or { userId, signature }',
  )
  .describe(
    'An identity JWT signed by the host site (HS256 with `CHORUS_IDENTITY_SECRET`): claims `sub`, `name`, optional `role` (`member`, `operator`, `admin`), `exp` at most 24 h ahead. Or, where the server sets `CHORUS_SUPABASE_URL`, a Supabase Auth access token of that project (`session.access_token`; told apart by its `iss`, `<project>/auth/v1`): the participant is `supabase:<auth user id>`, a `member`, named by `user_metadata.full_name` or `name`, else by `name`.',
  );

// Requests.

export const sessionRequestSchema = z.strictObject({
  room: roomIdSchema,
  name: displayNameSchema,
  identity: z.union([identityTokenSchema, identitySchema]).optional(),
});

/** The body of `POST /api/rooms/:room/messages`, with the configured length limit. */
export function postMessageRequestSchema(maxChars: number) {
  return z.strictObject({
    id: messageIdSchema.describe(
      'Client-minted UUID: retrying with the same id and content is idempotent.',
    ),
    content: z
      .string()
      .max(maxChars, `must be at most ${maxChars} characters`)
      .refine((content) => content.trim() !== '', 'must not be empty or only whitespace')
      .refine((content) => !content.includes('\u0000'), 'must not contain NUL characters')
      .refine(
        (content) => !LONE_SURROGATE.test(content),
        'must be valid Unicode text (no lone surrogates)',
      )
      .describe(
        `Markdown text, 1–${maxChars} characters, not only whitespace. Mention agents as \`@handle\`.`,
      ),
  });
}

export const stopRequestSchema = z
  .strictObject({
    messageId: messageIdSchema.optional(),
    agentId: agentHandleSchema.optional(),
    all: z.literal(true, 'must be true').optional(),
  })
  .refine(
    (body) =>
      [body.messageId, body.agentId, body.all].filter((value) => value !== undefined).length === 1,
    {
      message: 'must have exactly one of "messageId", "agentId" or "all": true',
    },
  )
  .meta({
    description:
      "Exactly one of `messageId` (one reply), `agentId` (that agent's replies) or `all: true` (every reply in the room).",
    minProperties: 1,
    maxProperties: 1,
  });

export const typingRequestSchema = z.strictObject({
  typing: z.boolean().describe('true while the participant types; false once they stop or send.'),
});

export const messagesQuerySchema = z.object({
  before: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a cursor returned as nextCursor')
    .optional()
    .describe('`nextCursor` of the previous page: returns older messages.'),
  limit: pageLimit('Messages per page', MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
});

export const eventsQuerySchema = z.object({
  access_token: z
    .string()
    .optional()
    .describe(
      'The room token, for clients that cannot send an Authorization header (EventSource).',
    ),
});

export const roomParamsSchema = z.object({ room: roomIdSchema });
export const messageParamsSchema = z.object({ room: roomIdSchema, id: messageIdSchema });

// Answers.

export const agentSchema = z
  .strictObject({
    id: z.string().describe('The handle: the id agents have as authors and in presence.'),
    name: z.string(),
    handle: z.string().describe('Mention it as `@handle`.'),
    color: z.string(),
    model: z.string(),
    description: z.string(),
  })
  .describe('An agent persona of the room.');

export const sessionResponseSchema = z.strictObject({
  token: z
    .string()
    .describe(
      'Room token (JWT): the Realtime access token and the REST bearer. Refresh it before `expiresAt`.',
    ),
  expiresAt: z.string().describe('ISO 8601.'),
  participant: participantSchema,
  room: roomSummarySchema,
  realtime: z.strictObject({
    url: z.string(),
    apikey: z.string().describe('The anon key (safe in a browser).'),
    typing: z
      .enum(['channel', 'server'])
      .describe(
        'How to send typing: a `typing` broadcast on the channel, or `POST /api/rooms/:room/typing` (an external Realtime).',
      ),
  }),
});

export const roomResponseSchema = z.strictObject({
  room: roomSummarySchema.extend({ settings: roomSettingsSchema }),
  agents: z.array(agentSchema),
  lastSession: roomSessionSchema
    .nullable()
    .describe('The room\'s latest session summary (a returning visitor\'s "last time"), or null.'),
});

export const messagePageSchema = z.strictObject({
  messages: z
    .array(messageSchema)
    .describe('Oldest first; in-flight replies included with their content so far.'),
  nextCursor: z.string().nullable(),
});

export const messageResponseSchema = z.strictObject({ message: messageSchema });
export const stopResponseSchema = z.strictObject({ status: z.literal('stopping') });
export const regenerateResponseSchema = z.strictObject({
  messageId: z.string().describe('The id the new reply will have.'),
});
export const healthResponseSchema = z.strictObject({
  status: z.enum(['ok', 'ready', 'unavailable']),
});

export const errorResponseSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().describe('Stable, for programs: `invalid_request`, `rate_limited`…'),
      message: z.string().describe('For people: says what was wrong and how to fix it.'),
      requestId: z.string().optional().describe('The `X-Request-Id` of the response.'),
    }),
  })
  .describe('Every error answer.');

export type Identity = z.input<typeof identitySchema>;
export type SessionRequest = z.input<typeof sessionRequestSchema>;
/** What `POST /api/rooms/:room/stop` stops. */
export type StopTarget = { messageId: string } | { agentId: string } | { all: true };
export type Agent = z.infer<typeof agentSchema>;
export type SessionResponse = z.infer<typeof sessionResponseSchema>;
export type RoomResponse = z.infer<typeof roomResponseSchema>;
export type MessagePage = z.infer<typeof messagePageSchema>;
export type ApiErrorBody = z.infer<typeof errorResponseSchema>;
