/**
 * What a webhook receiver gets (docs/architecture.md §9): the JSON body of each event, as zod
 * schemas. Every POST carries `Chorus-Webhook-Id` (the event's `id`, the same on every retry, for
 * deduplication) and `Chorus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * keyed with `CHORUS_WEBHOOK_SECRET`.
 */
import { z } from 'zod';
import { CONVERSATION_STATUSES, ROLES } from '../room.ts';
import { messageSchema } from './message.ts';

export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'reply.completed',
  'conversation.status_changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The header names, as sent (HTTP headers are case-insensitive). */
export const WEBHOOK_HEADERS = {
  id: 'Chorus-Webhook-Id',
  signature: 'Chorus-Signature',
  type: 'Chorus-Webhook-Type',
} as const;

const envelope = {
  id: z.string().describe('The event id: the same on every delivery attempt of this event.'),
  createdAt: z.string().describe('When the event happened (ISO 8601).'),
  roomId: z.string().describe('The room it happened in (a support conversation’s own room id).'),
};

const conversationStatusChangeSchema = z.strictObject({
  conversation: z.string().describe('The conversation’s room id.'),
  parent: z.string().describe('The support room it belongs to.'),
  status: z.enum(CONVERSATION_STATUSES),
  previous: z.enum(CONVERSATION_STATUSES),
  by: z
    .strictObject({ id: z.string(), name: z.string(), role: z.enum(ROLES) })
    .describe('Who changed it: the visitor asking for a person, or staff.'),
});

export const webhookEventSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      ...envelope,
      type: z.literal('message.created'),
      data: z.strictObject({ message: messageSchema }),
    })
    .describe('A person posted a message.'),
  z
    .strictObject({
      ...envelope,
      type: z.literal('reply.completed'),
      data: z.strictObject({ message: messageSchema }),
    })
    .describe(
      'An agent’s reply ended, whatever its final status (`complete`, `error`, `cancelled`, `interrupted`), with the stored message.',
    ),
  z
    .strictObject({
      ...envelope,
      type: z.literal('conversation.status_changed'),
      data: conversationStatusChangeSchema,
    })
    .describe('A support conversation changed status (takeover, hand-back, close, reopen).'),
]);

export type WebhookEventBody = z.infer<typeof webhookEventSchema>;
export type ConversationStatusChange = z.infer<typeof conversationStatusChangeSchema>;
