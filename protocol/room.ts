/**
 * The room protocol (docs/architecture.md §3): what travels on a room's channel and through the REST
 * API. The one module the server and the widget both import; it holds constants and tiny pure
 * helpers, and names the wire types. The shapes themselves are written once, as zod schemas in
 * protocol/schemas/ (the types here are their `z.infer`); this module imports them as types only,
 * so a widget that imports it bundles no zod. Never an import from `server/` or `widget/`.
 */

export type { Author, Message, MessagePart, Participant, TokenUsage } from './schemas/message.ts';
export type { PresenceMeta, RoomEventName, RoomEvents } from './schemas/room-events.ts';
export type { Agent, ApiErrorBody, RoomSettings } from './schemas/rest.ts';

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
export type SequencedEventName = 'text-delta' | 'reasoning-delta' | 'tool-call' | 'tool-result';

export const SPEAKER_POLICIES = ['all', 'relevant', 'default'] as const;
export type SpeakerPolicy = (typeof SPEAKER_POLICIES)[number];
