/** Session summaries, a room's memory (docs/architecture.md §4). `postgres-summaries.ts` implements it. */
import type { Message } from '../../protocol/room.ts';

/** A stretch of a room's activity and the summary written when the room went quiet. */
export interface RoomSession {
  id: string;
  roomId: string;
  /** The first summarized message's time. */
  startedAt: string;
  /** The last summarized message's time: the next session starts after it. */
  endedAt: string;
  /** From the first summarized message to the last, in milliseconds. */
  durationMs: number;
  /** How many messages the summary covers. */
  messageCount: number;
  summary: string;
}

export interface Summaries {
  /**
   * The room's messages since the end of its latest session (all of them when it has none): the
   * newest `limit`, oldest first, in-flight replies included.
   */
  unsummarizedMessages(roomId: string, limit: number): Promise<Message[]>;
  /**
   * Writes a session of `messageIds` (messages of `roomId`; others are ignored): it starts at the
   * first one's time and ends at the last one's. Once only: null when that session of the room
   * was already written (by this process or another), or when none of the messages is the room's.
   */
  addSession(input: {
    roomId: string;
    messageIds: readonly string[];
    summary: string;
  }): Promise<RoomSession | null>;
  /** The room's most recent session, or null: never another room's. */
  latestSession(roomId: string): Promise<RoomSession | null>;
  /**
   * The latest session of any conversation of `visitorId` in the support room `supportRoomId`:
   * what a returning visitor is reminded of in a new conversation (their own words only).
   */
  latestVisitorSession(supportRoomId: string, visitorId: string): Promise<RoomSession | null>;
  /** The room's sessions, newest first, at most `limit`: never another room's. */
  listSessions(roomId: string, limit: number): Promise<RoomSession[]>;
}
