import type {
  ConversationStatus,
  Message,
  Participant,
  PresenceMeta,
  RoomEvents,
} from '../../protocol/room.ts';
import type { HandoffTarget } from '../../protocol/schemas/conversations.ts';
import type { ChorusError } from '../lib/chorus-error.ts';
import type {
  AgentInfo,
  ChorusUser,
  RoomInfoResponse,
  RoomSummary,
  StopTarget,
} from './api-types.ts';

/**
 * The connection's state, mirroring realtime-js's subscribe states: `idle` before `connect()`,
 * `connecting` until the first join and catch-up, `open`, `reconnecting` after a loss (retrying
 * with back-off), `error` when the server refused us for good (e.g. the room needs a verified
 * identity) until `reconnect()`.
 */
export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'error';

export interface ConnectionState {
  status: ConnectionStatus;
  error?: ChorusError;
  /** Reconnect attempts since the connection was last open. */
  attempt: number;
}

export interface SessionInfo {
  participant: Participant;
  /**
   * The room the session is for, as `POST /api/session` answered: in a support room, the
   * visitor's own conversation (`parent` is the support room; docs/architecture.md §8).
   */
  room: Pick<RoomSummary, 'id' | 'title'> & Partial<RoomSummary>;
}

export interface RoomInfo {
  title: string;
  agents: AgentInfo[];
  settings: RoomInfoResponse['room']['settings'] | null;
  /** The room's last session summary (a visitor's new conversation: their last one's), if any. */
  lastSession?: {
    summary: string;
    endedAt: string;
    durationMs: number;
    messageCount: number;
  } | null;
}

/**
 * A live broadcast the widget shows: one that changed the transcript, or a `conversation-status`
 * or `participant-muted` of the room.
 */
export interface LiveEvent {
  event: string;
  payload: unknown;
}

export interface RoomConnectionEvents {
  state: ConnectionState;
  session: SessionInfo;
  room: RoomInfo;
  /** The transcript changed: read `messages()` (the stores batch this to animation frames). */
  transcript: undefined;
  live: LiveEvent;
  presence: PresenceMeta[];
  typing: RoomEvents['typing'];
  error: ChorusError;
}

/**
 * What the widget's stores need from a room: `RoomClient` is the real one; browser tests of the
 * components inject a stub through `<chorus-chat>.connection`.
 */
export interface RoomConnection {
  /** Starts (idempotent): session, room, channel, catch-up. */
  connect(): void;
  /** Tries again now after an error or while waiting to reconnect. */
  reconnect(): void;
  disconnect(): Promise<void>;
  state(): ConnectionState;
  session(): SessionInfo | undefined;
  room(): RoomInfo | undefined;
  /** The transcript, oldest first. */
  messages(): Message[];
  hasOlder(): boolean;
  loadOlder(): Promise<void>;
  /** Posts a message; the same id again is idempotent (a retry never duplicates). */
  postMessage(input: { id: string; content: string }): Promise<Message>;
  stop(target: StopTarget): Promise<void>;
  /** Asks the agent for a new reply; resolves with the new reply's id. */
  regenerate(messageId: string): Promise<string>;
  /**
   * `POST /api/rooms/:room/handoff`: a visitor's `human` asks for a person; resolves with the new
   * status. Optional: a connection without it never shows "Talk to a person" (nor does a session
   * whose room has no `handoff`, as the inbox's shared one).
   */
  handoff?(to: HandoffTarget): Promise<ConversationStatus>;
  /** The user is typing (true) or stopped (false); throttled and expiring. */
  setTyping(typing: boolean): void;
  setUser(user: ChorusUser): Promise<void>;
  on<Name extends keyof RoomConnectionEvents>(
    name: Name,
    listener: (value: RoomConnectionEvents[Name]) => void,
  ): () => void;
}
