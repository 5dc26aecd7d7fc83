/**
 * The room protocol (docs/architecture.md §3): what travels on a room's channel and through the REST
 * API. The one module the server and the widget both import; it holds types and tiny pure helpers
 * only, never an import from `server/` or `widget/`.
 */

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

export interface Author {
  kind: AuthorKind;
  id: string;
  name: string;
}

export const MESSAGE_STATUSES = ['complete', 'streaming', 'cancelled', 'error', 'interrupted'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Why an agent speaks. */
export const REPLY_REASONS = ['mention', 'selected', 'all', 'default', 'handoff', 'regenerate'] as const;
export type ReplyReason = (typeof REPLY_REASONS)[number];

/** A non-text piece of an agent reply, in order: reasoning, tool calls and their results. */
export type MessagePart =
  | { type: 'reasoning'; text: string }
  | { type: 'tool-call'; callId: string; name: string; args: unknown }
  | { type: 'tool-result'; callId: string; name: string; result?: unknown; error?: string };

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** A message as persisted and as sent in `message` / `message-end` events and REST answers. */
export interface Message {
  id: string;
  roomId: string;
  /** The room's transcript order (increasing; gaps possible). Absent only on a client's own unsent message. */
  position?: number;
  author: Author;
  content: string;
  parts: MessagePart[];
  status: MessageStatus;
  /** The last delta/part sequence number applied to `content`/`parts` (0 for human messages). */
  seq: number;
  replyTo: string | null;
  reason: ReplyReason | null;
  model: string | null;
  usage: TokenUsage | null;
  /** Who stopped this reply (status `cancelled`), when a participant did. */
  stoppedBy?: { id: string; name: string } | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Presence meta of a participant; the presence key is `id`. */
export interface PresenceMeta {
  kind: 'human' | 'agent';
  id: string;
  name: string;
  color?: string;
  avatarUrl?: string;
  status?: 'idle' | 'thinking' | 'streaming';
}

/** Broadcast events on a room channel, by event name, with their payloads. */
export interface RoomEvents {
  message: { message: Message };
  'message-start': {
    id: string;
    roomId: string;
    position?: number;
    author: Author;
    replyTo: string | null;
    reason: ReplyReason;
    model: string | null;
    createdAt: string;
  };
  'text-delta': { id: string; seq: number; delta: string };
  'reasoning-delta': { id: string; seq: number; delta: string };
  'tool-call': { id: string; seq: number; callId: string; name: string; args: unknown };
  'tool-result': { id: string; seq: number; callId: string; result?: unknown; error?: string };
  'message-end': { message: Message };
  typing: { participantId: string; name: string; typing: boolean };
  'room-summary': { summary: string };
}
export type RoomEventName = keyof RoomEvents;

/** Events that carry a `seq` and so advance one in-flight message. */
export type SequencedEventName = 'text-delta' | 'reasoning-delta' | 'tool-call' | 'tool-result';

/** The REST error body: `{ error: { code, message } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string; requestId?: string };
}

export const SPEAKER_POLICIES = ['all', 'relevant', 'default'] as const;
export type SpeakerPolicy = (typeof SPEAKER_POLICIES)[number];

/** A room's settings, as stored and as `GET /api/rooms/:room` returns them. */
export interface RoomSettings {
  /** Who answers a message that @mentions no agent. */
  policy: SpeakerPolicy;
  /** Handles of the agents in the room; empty means every persona the server has. */
  agents: string[];
  /** Whether anonymous guests may join (else a host-signed identity is required). */
  guestAccess: boolean;
  /** Model tokens (input + output) the room may spend per UTC day. */
  tokensPerDay: number;
  /** Agent-to-agent turns allowed after one human message. */
  maxAgentTurns: number;
}
