/**
 * A message of the transcript (docs/architecture.md §3) and what it is made of, as zod schemas:
 * the one place these shapes are written. The server parses with them, the widget imports only
 * their types (`import type`), the OpenAPI document names them (`Message`, `Author`, `Participant`…).
 * Answers are strict objects: a field the server sends that is not written here fails the tests.
 */
import { z } from 'zod';
import { AUTHOR_KINDS, MESSAGE_STATUSES, REPLY_REASONS, ROLES, STAFF_ROLES } from '../room.ts';

/** A person in a room: the id is the presence key (`guest:<uuid>`, `user:<id>`). */
export const participantSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    role: z
      .enum(ROLES)
      .optional()
      .describe('guest (anonymous), member (host-verified), operator or admin (staff).'),
  })
  .describe('A person in the room.');

export const authorSchema = z
  .strictObject({
    kind: z.enum(AUTHOR_KINDS),
    id: z.string(),
    name: z.string(),
    role: z
      .enum(STAFF_ROLES)
      .optional()
      .describe("Present when a person of the site's staff wrote the message."),
  })
  .describe('Who wrote a message.');

/**
 * A passage of the site's knowledge an agent reply cites (docs/architecture.md §12): shown as a
 * citation under the answer. `url` may be relative: it names a page of the site the widget is
 * embedded in, so the widget resolves it against the host page.
 */
export const sourcePartSchema = z
  .strictObject({
    type: z.literal('source'),
    title: z
      .string()
      .describe(
        'The passage\'s title: its document and heading ("Returns and warranty › Returns").',
      ),
    url: z
      .string()
      .nullable()
      .describe(
        'The public page the citation links to (relative: a page of the host site); null: none.',
      ),
    path: z.string().describe('The source file, relative to the knowledge folder.'),
    quote: z.string().describe('The span of the passage the answer rests on.'),
  })
  .describe('A knowledge passage the reply cites.');

/** A non-text piece of an agent reply, in order: reasoning, tool calls and their results, sources. */
export const messagePartSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('reasoning'), text: z.string() }),
    z.strictObject({
      type: z.literal('tool-call'),
      callId: z.string(),
      name: z.string(),
      args: z.unknown(),
    }),
    z.strictObject({
      type: z.literal('tool-result'),
      callId: z.string(),
      name: z.string(),
      result: z.unknown().optional(),
      error: z.string().optional(),
    }),
    sourcePartSchema,
  ])
  .describe(
    'A non-text piece of an agent reply: reasoning, a tool call or its result, a cited source.',
  );

export const tokenUsageSchema = z.strictObject({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
});

/**
 * Why an agent reply failed, as visitors may learn it (docs/architecture.md §5, "Failed replies"):
 * `agent_unavailable` the model's server could not be reached or kept failing, `agent_refused` it
 * refused the request (a key or model setting to fix), `budget_exhausted` the room's token budget
 * ran out, `reply_failed` anything else.
 */
export const REPLY_ERROR_CODES = [
  'agent_unavailable',
  'agent_refused',
  'budget_exhausted',
  'reply_failed',
] as const;
export type ReplyErrorCode = (typeof REPLY_ERROR_CODES)[number];

/** A message as persisted and as sent in `message` / `message-end` events and REST answers. */
export const messageSchema = z
  .strictObject({
    id: z.string(),
    roomId: z.string(),
    position: z
      .number()
      .int()
      .optional()
      .describe(
        "The room's transcript order (increasing; gaps possible). Absent only on a client's own unsent message.",
      ),
    author: authorSchema,
    content: z.string(),
    parts: z.array(messagePartSchema),
    status: z.enum(MESSAGE_STATUSES),
    seq: z
      .number()
      .int()
      .describe(
        'The last delta/part sequence number applied to `content`/`parts` (0 for human messages).',
      ),
    replyTo: z.string().nullable(),
    reason: z.enum(REPLY_REASONS).nullable(),
    model: z.string().nullable(),
    usage: tokenUsageSchema.nullable(),
    stoppedBy: participantSchema
      .nullable()
      .optional()
      .describe('Who stopped the reply (status `cancelled`), when a participant did.'),
    versionOf: z
      .string()
      .optional()
      .describe(
        'On a regenerated or retried reply: the id of the first version of the reply. The transcript shows one reply per version group, at the first version’s place, the latest version by default.',
      ),
    error: z
      .string()
      .nullable()
      .describe(
        'Why the reply failed (status `error`): a stable public code of `REPLY_ERROR_CODES`, never the provider’s own text (that stays in the server’s logs). Older rows may hold text: show them as `reply_failed`.',
      ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe(
    'A message of the transcript: a person’s, an agent’s reply (in flight or finished) or a system note. A message staff removed keeps its place with status `deleted` and no content.',
  );

export type Participant = z.infer<typeof participantSchema>;
export type Author = z.infer<typeof authorSchema>;
export type MessagePart = z.infer<typeof messagePartSchema>;
export type SourcePart = z.infer<typeof sourcePartSchema>;
export type TokenUsage = z.infer<typeof tokenUsageSchema>;
export type Message = z.infer<typeof messageSchema>;
