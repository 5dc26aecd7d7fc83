/**
 * The broadcasts on a room's channel (docs/architecture.md §3), by event name, and a participant's
 * presence, as zod schemas: the Realtime channel and `GET /api/rooms/:room/events` carry exactly
 * these payloads. The OpenAPI document lists them under the event stream.
 */
import { z } from 'zod';
import { CONVERSATION_STATUSES, REPLY_REASONS, STAFF_ROLES } from '../room.ts';
import { conversationSchema } from './conversations.ts';
import { authorSchema, messageSchema, participantSchema, sourcePartSchema } from './message.ts';

const sequenced = {
  id: z.string().describe('The message the event advances.'),
  seq: z.number().int().describe('Increasing per message; a repeat is ignored.'),
};

/** Each room event's payload, by event name. */
export const roomEventSchemas = {
  message: z
    .strictObject({ message: messageSchema })
    .describe('A message was posted (or changed outside a reply stream).'),
  'message-start': z
    .strictObject({
      id: z.string(),
      roomId: z.string(),
      position: z.number().int().optional(),
      author: authorSchema,
      replyTo: z.string().nullable(),
      reason: z.enum(REPLY_REASONS),
      model: z.string().nullable(),
      versionOf: z
        .string()
        .optional()
        .describe('On a regenerated or retried reply: the id of its first version.'),
      createdAt: z.string(),
    })
    .describe('An agent starts a reply.'),
  'text-delta': z
    .strictObject({ ...sequenced, delta: z.string() })
    .describe('More text of a reply.'),
  'reasoning-delta': z
    .strictObject({ ...sequenced, delta: z.string() })
    .describe('More reasoning of a reply.'),
  'tool-call': z
    .strictObject({ ...sequenced, callId: z.string(), name: z.string(), args: z.unknown() })
    .describe('A reply calls a tool.'),
  'tool-result': z
    .strictObject({
      ...sequenced,
      callId: z.string(),
      result: z.unknown().optional(),
      error: z.string().optional(),
    })
    .describe("A tool call's result."),
  source: sourcePartSchema
    .omit({ type: true })
    .extend(sequenced)
    .describe('A reply cites a passage of the knowledge (appended as a `source` part).'),
  'message-end': z
    .strictObject({ message: messageSchema })
    .describe('A reply finished (complete, cancelled, error or interrupted): the stored message.'),
  typing: z
    .strictObject({ participantId: z.string(), name: z.string(), typing: z.boolean() })
    .describe('A participant types or stopped.'),
  'room-summary': z
    .strictObject({ summary: z.string() })
    .describe("The room's summary was brought up to date."),
  'round-end': z
    .strictObject({ id: z.string().describe('The human message whose round ended.') })
    .describe(
      'Every agent reply a human message started, hand-offs included, has ended (sent once none is queued or running; may come twice).',
    ),
  'conversation-status': z
    .strictObject({
      status: z.enum(CONVERSATION_STATUSES),
      by: participantSchema.nullable().describe('Who changed it (null: the server).'),
    })
    .describe('Who answers the conversation changed (support rooms): bot, waiting, human, closed.'),
  'message-deleted': z
    .strictObject({ id: z.string() })
    .describe('Staff removed a message: it keeps its place, shown as removed.'),
  'participant-muted': z
    .strictObject({
      participantId: z.string(),
      muted: z.boolean(),
      until: z.string().nullable().describe('ISO 8601; null: until unmuted.'),
    })
    .describe('Staff muted (or unmuted) a participant: a muted person cannot post.'),
} as const;

/** The broadcasts on a support room's staff channel `inbox:<room>`, by event name. */
export const inboxEventSchemas = {
  'conversation-updated': z
    .strictObject({ conversation: conversationSchema })
    .describe('A conversation started, got a message or changed status.'),
} as const;

/** Presence meta of a participant; the presence key is `id`. */
export const presenceMetaSchema = z
  .strictObject({
    kind: z.enum(['human', 'agent']),
    id: z.string(),
    name: z.string(),
    color: z.string().optional(),
    avatarUrl: z.string().optional(),
    status: z.enum(['idle', 'thinking', 'streaming']).optional(),
    role: z
      .enum(STAFF_ROLES)
      .optional()
      .describe('Staff: set by the server from the token, never from what a client tracks.'),
  })
  .describe("A participant's presence on the room channel.");

/** Broadcast events on a room channel, by event name, with their payloads. */
export type RoomEvents = {
  [Name in keyof typeof roomEventSchemas]: z.infer<(typeof roomEventSchemas)[Name]>;
};
export type RoomEventName = keyof RoomEvents;
export type InboxEvents = {
  [Name in keyof typeof inboxEventSchemas]: z.infer<(typeof inboxEventSchemas)[Name]>;
};
export type PresenceMeta = z.infer<typeof presenceMetaSchema>;

export type RoomEvent = {
  [Name in RoomEventName]: { event: Name; data: RoomEvents[Name] };
}[RoomEventName];

const frames = (Object.keys(roomEventSchemas) as RoomEventName[]).map((name) =>
  z.strictObject({ event: z.literal(name), data: roomEventSchemas[name] }),
);

/**
 * One event of `GET /api/rooms/:room/events` as `{ event, data }`: the SSE `event:` line is the
 * room event's name, the `data:` line its JSON payload.
 */
export const roomEventSchema = z
  .discriminatedUnion(
    'event',
    frames as unknown as [(typeof frames)[number], ...(typeof frames)[number][]],
  )
  .describe('One Server-Sent Event: `event:` the room event name, `data:` its JSON payload.');
