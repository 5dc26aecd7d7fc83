/**
 * What the HTTP layer needs from the rest of the server, as interfaces: `createApp` never sees
 * the concrete orchestrator, store or bus, so routes are testable with any implementation.
 * The `Orchestrator`, `createPostgresStores` and both `RoomBus` adapters satisfy them as they are.
 */
import type { Agent, Author, Message, RoomSettings } from '../../protocol/room.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Room, Rooms } from '../store/rooms.ts';
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
  /** Stops replies; a participant (`actor`) only replies to their own messages (others: 403). */
  stop(request: StopRequest, actor?: { id: string; name: string }): Promise<void>;
  /** Regenerates a reply; a participant (`actor`) only a reply to their own message (others: 403). */
  regenerate(
    room: Room,
    messageId: string,
    actor?: { id: string; name: string },
  ): Promise<{ messageId: string }>;
  /** A streaming message with the live state this process holds for it, if any. */
  liveMessage(message: Message): Message;
  /** Shows the room's agents in its presence. */
  showAgents(room: Room): Promise<void>;
  settingsOf(room: Room): RoomSettings;
  agentsOf(room: Room): readonly AgentProfile[];
}

/** The store calls the API makes itself. */
export interface RoomStore {
  rooms: Pick<Rooms, 'getRoom' | 'ensureRoom' | 'upsertParticipant'>;
  transcript: Pick<Transcript, 'listMessages'>;
  audit: Pick<AuditLog, 'appendEvent'>;
}

/** A room's broadcasts: the SSE endpoint subscribes to them, the typing endpoint publishes `typing`. */
export type RoomEventSource = Pick<RoomBus, 'subscribe' | 'broadcast'>;
