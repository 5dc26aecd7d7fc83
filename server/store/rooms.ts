/**
 * Rooms, their participants and the conversations of support rooms (docs/architecture.md §4, §8).
 * `postgres-rooms.ts` implements it.
 */
import type { Conversation, ConversationStatus, Role } from '../../protocol/room.ts';

export interface Room {
  id: string;
  title: string;
  /** Speaker policy, agents, guest access, budgets, kind…: validated by the orchestrator. */
  settings: Record<string, unknown>;
  /** A conversation's support room; null for every other room. */
  parentId: string | null;
  /** A conversation: the participant it is with. */
  visitorId: string | null;
  /** A conversation: who answers it; null for every other room. */
  status: ConversationStatus | null;
  createdAt: string;
  updatedAt: string;
}

export interface Participant {
  roomId: string;
  id: string;
  kind: 'human' | 'agent';
  name: string;
  role: Role;
  /** ISO 8601 while a mute lasts; `'forever'` until lifted; null when not muted. */
  mutedUntil: string | null;
}

/** A page of a support room's conversations, as staff see them (without live reply state). */
export interface ConversationPage {
  conversations: Conversation[];
  nextCursor: string | null;
}

export interface Rooms {
  getRoom(id: string): Promise<Room | null>;
  /** Creates the room when missing; never changes an existing one. */
  ensureRoom(input: {
    id: string;
    title: string;
    settings?: Record<string, unknown>;
  }): Promise<Room>;
  /** Merges `patch` into the room's settings (top-level keys); throws `NotFoundError` for no room. */
  updateRoomSettings(id: string, patch: Record<string, unknown>): Promise<Room>;
  /**
   * The admin API's write: creates the room with `title` when missing, else sets `title` (when
   * given) and merges `settings` into its settings.
   */
  saveRoom(input: { id: string; title?: string; settings: Record<string, unknown> }): Promise<Room>;
  /** Rooms that are not conversations, by id, each with its count of conversations not closed. */
  listRooms(): Promise<Array<Room & { openConversations: number }>>;
  upsertParticipant(input: {
    roomId: string;
    id: string;
    kind: 'human' | 'agent';
    name: string;
    role?: Role;
  }): Promise<void>;
  getParticipant(roomId: string, id: string): Promise<Participant | null>;
  /** Sets or lifts a mute; `until` null with `muted` is until lifted. Throws `NotFoundError` for no participant. */
  setMute(input: {
    roomId: string;
    participantId: string;
    muted: boolean;
    until: Date | null;
  }): Promise<Participant>;

  /**
   * The visitor's open conversation in support room `parentId`, created (status `bot`) when they
   * have none. Two calls at once get the same one.
   */
  openConversation(input: {
    parentId: string;
    visitor: { id: string; name: string; role: Role };
    title: string;
  }): Promise<{ room: Room; created: boolean }>;
  /** One conversation as the inbox shows it; null when `id` is not a conversation. */
  getConversation(id: string): Promise<Conversation | null>;
  /** Waiting conversations first, then newest activity first. */
  listConversations(
    parentId: string,
    options: { status?: ConversationStatus; before?: string | null; limit: number },
  ): Promise<ConversationPage>;
  /** Sets who answers; throws `NotFoundError` when `id` is not a conversation. */
  setConversationStatus(id: string, status: ConversationStatus): Promise<Room>;
  /** Records activity (a message): the conversation moves up the inbox. */
  touchConversation(id: string): Promise<void>;
  /** Staff have read the conversation up to its newest message. */
  markConversationRead(id: string): Promise<void>;
}
