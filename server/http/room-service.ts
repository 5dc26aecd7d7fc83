/**
 * What the HTTP layer needs from the rest of the server, as interfaces: `createApp` never sees
 * the concrete orchestrator, store or bus, so routes are testable with any implementation.
 * The `Orchestrator`, `createPostgresStores` and both `RoomBus` adapters satisfy them as they are.
 */
import type { Summaries } from '../store/summaries.ts';
import type {
  Agent,
  Author,
  ConversationStatus,
  HandoffTarget,
  Message,
  RoomSettings,
} from '../../protocol/room.ts';
import type { Actor } from '../orchestrator/conversations.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Participant, Room, Rooms } from '../store/rooms.ts';
import type { StopRequest } from '../store/run-queue.ts';
import type { Transcript } from '../store/transcript.ts';

/** An agent persona as the API shows it (protocol/schemas/rest.ts), less its `id`, which is its handle. */
export type AgentProfile = Omit<Agent, 'id'>;

/** Rounds, stops and regenerations: the orchestrator's part of the API. */
export interface RoomService {
  /** Posts a human message and opens its round; idempotent by `id` (`created: false` on a retry). */
  postMessage(input: {
    room: Room;
    id: string;
    author: Author;
    content: string;
  }): Promise<{ message: Message; created: boolean }>;
  /** Stops replies; a visitor (`actor`) only replies to their own messages (others: 403), staff any. */
  stop(request: StopRequest, actor?: Actor): Promise<void>;
  /** Regenerates a reply; a visitor (`actor`) only a reply to their own message (others: 403), staff any. */
  regenerate(room: Room, messageId: string, actor?: Actor): Promise<{ messageId: string }>;
  /** Takeover in a support conversation (docs/architecture.md §8); answers the new status. */
  handoff(room: Room, to: HandoffTarget, actor: Actor): Promise<ConversationStatus>;
  /** Moderation (staff): the message keeps its place, content removed. */
  deleteMessage(room: Room, messageId: string, actor: Actor): Promise<Message>;
  /** Moderation (staff): mutes or unmutes a participant of the room. */
  mute(
    room: Room,
    participantId: string,
    input: { muted: boolean; minutes?: number },
    actor: Actor,
  ): Promise<Participant>;
  /** Throws a 403 `muted` when the participant may not post now. */
  assertMayPost(room: Room, participantId: string): Promise<void>;
  /** A new support conversation: its staff hear of it on `inbox:<support room>`. */
  conversationOpened(room: Room): Promise<void>;
  /** A streaming message with the live state this process holds for it, if any. */
  liveMessage(message: Message): Message;
  /** Shows the room's agents in its presence. */
  showAgents(room: Room): Promise<void>;
  settingsOf(room: Room): RoomSettings;
  agentsOf(room: Room): readonly AgentProfile[];
  /** Every persona of the server (the admin API checks a room's `agents` against them). */
  allAgents(): readonly AgentProfile[];
}

/** The store calls the API makes itself. */
export interface RoomStore {
  rooms: Pick<
    Rooms,
    | 'getRoom'
    | 'ensureRoom'
    | 'upsertParticipant'
    | 'openConversation'
    | 'listConversations'
    | 'markConversationRead'
    | 'saveRoom'
    | 'listRooms'
  >;
  transcript: Pick<Transcript, 'listMessages' | 'getMessage'>;
  audit: Pick<AuditLog, 'appendEvent'>;
  summaries: Pick<Summaries, 'listSessions' | 'latestSession' | 'latestVisitorSession'>;
}

/** A room's broadcasts: the SSE endpoint subscribes to them, the typing endpoint publishes `typing`. */
export type RoomEventSource = Pick<RoomBus, 'subscribe' | 'broadcast'>;
