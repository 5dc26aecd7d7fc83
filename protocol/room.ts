/**
 * The room protocol (docs/architecture.md §3): what travels on a room's channel and through the REST
 * API. The one module the server and the widget both import; it holds constants and tiny pure
 * helpers, and names the wire types. The shapes themselves are written once, as zod schemas in
 * protocol/schemas/ (the types here are their `z.infer`); this module imports them as types only,
 * so a widget that imports it bundles no zod. Never an import from `server/` or `widget/`.
 */

export type {
  Author,
  Message,
  MessagePart,
  Participant,
  SourcePart,
  TokenUsage,
} from './schemas/message.ts';
export type { PresenceMeta, RoomEventName, RoomEvents } from './schemas/room-events.ts';
export type { Agent, ApiErrorBody, RoomSettings } from './schemas/rest.ts';
export type { Conversation, HandoffTarget } from './schemas/conversations.ts';

/** Room ids: 1–64 characters of `[A-Za-z0-9_-]`. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isRoomId(value: unknown): value is string {
  return typeof value === 'string' && ROOM_ID_PATTERN.test(value);
}

/** The Realtime channel of a room (realtime-js makes the topic `realtime:room:<id>`). */
export function roomChannelName(roomId: string): string {
  return `room:${roomId}`;
}

export const AUTHOR_KINDS = ['human', 'agent', 'system'] as const;
export type AuthorKind = (typeof AUTHOR_KINDS)[number];

export const MESSAGE_STATUSES = [
  'complete',
  'streaming',
  'cancelled',
  'error',
  'interrupted',
  'deleted',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Why an agent speaks. */
export const REPLY_REASONS = [
  'mention',
  'selected',
  'all',
  'default',
  'handoff',
  'regenerate',
] as const;
export type ReplyReason = (typeof REPLY_REASONS)[number];

/** Events that carry a `seq` and so advance one in-flight message. */
export type SequencedEventName =
  'text-delta' | 'reasoning-delta' | 'tool-call' | 'tool-result' | 'source';

export const SPEAKER_POLICIES = ['all', 'relevant', 'default'] as const;
export type SpeakerPolicy = (typeof SPEAKER_POLICIES)[number];

/**
 * Room kinds (docs/architecture.md §8): `shared` rooms have one transcript for everyone who opens
 * them; a `support` room gives each visitor a private conversation, a child room of its own.
 */
export const ROOM_KINDS = ['shared', 'support'] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];

/** A person's role in a room (docs/architecture.md §8), carried by the room token. */
export const ROLES = ['guest', 'member', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** The roles of a site's staff: they see every conversation of the rooms they staff. */
export const STAFF_ROLES = ['operator', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(role: string | undefined): role is StaffRole {
  return role === 'operator' || role === 'admin';
}

/**
 * Who answers a support conversation: `bot` (the agents), `waiting` (the visitor asked for a
 * person; the agents are paused), `human` (an operator took over; agents answer only an operator's
 * @mention), `closed`.
 */
export const CONVERSATION_STATUSES = ['bot', 'waiting', 'human', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** The private channel where staff of support room `roomId` hear about its conversations. */
export function inboxChannelName(roomId: string): string {
  return `inbox:${roomId}`;
}
