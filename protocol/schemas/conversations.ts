/**
 * Support conversations, takeover and moderation (docs/architecture.md §8): the inbox list, the
 * handoff and mute bodies, as zod schemas (see rest.ts for how they are used).
 */
import { z } from 'zod';
import { pageLimit } from './paging.ts';
import { CONVERSATION_STATUSES } from '../room.ts';
import { messageSchema, participantSchema } from './message.ts';

export const MAX_CONVERSATION_PAGE_SIZE = 100;
export const DEFAULT_CONVERSATION_PAGE_SIZE = 30;
/** The longest a mute may last without being lifted by hand. */
export const MAX_MUTE_MINUTES = 7 * 24 * 60;

export const conversationSchema = z
  .strictObject({
    id: z.string().describe('The conversation’s room id: its channel is `room:<id>`.'),
    parent: z.string().describe('The support room it belongs to.'),
    title: z.string(),
    visitor: participantSchema.describe('The person the conversation is with.'),
    status: z.enum(CONVERSATION_STATUSES),
    waiting: z.boolean().describe('`status` is `waiting`: the visitor asked for a person.'),
    lastMessage: messageSchema
      .nullable()
      .describe('The newest message (a reply in flight with its text so far).'),
    unread: z
      .number()
      .int()
      .describe('Messages of the visitor and the agents that no staff member has read yet.'),
    createdAt: z.string(),
    updatedAt: z.string().describe('The last activity: a message or a status change.'),
  })
  .describe('A private conversation of a support room, as staff see it in the inbox.');

export const conversationsQuerySchema = z.object({
  status: z.enum(CONVERSATION_STATUSES).optional().describe('Only conversations in this status.'),
  before: z
    .string()
    .regex(/^[01]:\d{1,18}:[A-Za-z0-9_-]{1,64}$/, 'must be a cursor returned as nextCursor')
    .optional()
    .describe('`nextCursor` of the previous page: returns conversations with older activity.'),
  limit: pageLimit(
    'Conversations per page',
    MAX_CONVERSATION_PAGE_SIZE,
    DEFAULT_CONVERSATION_PAGE_SIZE,
  ),
});

export const conversationPageSchema = z.strictObject({
  conversations: z
    .array(conversationSchema)
    .describe('Waiting ones first, then newest activity first.'),
  nextCursor: z.string().nullable(),
});

export const handoffRequestSchema = z.strictObject({
  to: z
    .enum(['human', 'agents', 'closed'])
    .describe(
      '`human`: a visitor asks for a person (→ waiting), an operator takes over (→ human); `agents`: hand back (operator); `closed` (operator).',
    ),
});

export const handoffResponseSchema = z.strictObject({
  status: z.enum(CONVERSATION_STATUSES),
});

export const muteRequestSchema = z.strictObject({
  muted: z.boolean().describe('false lifts a mute.'),
  minutes: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_MUTE_MINUTES, `must be at most ${MAX_MUTE_MINUTES} (a week)`)
    .optional()
    .describe('How long the mute lasts; absent: until lifted.'),
});

export const muteResponseSchema = z.strictObject({
  participantId: z.string(),
  muted: z.boolean(),
  until: z.string().nullable(),
});

export const participantParamsSchema = z.object({
  room: z.string(),
  participant: z.string().min(1).max(200, 'must be at most 200 characters'),
});

export type Conversation = z.infer<typeof conversationSchema>;
export type ConversationPage = z.infer<typeof conversationPageSchema>;
export type HandoffTarget = z.infer<typeof handoffRequestSchema>['to'];
