/**
 * A room's sessions and their summaries (`GET /api/rooms/:room/sessions`; docs/architecture.md §4):
 * a session ends when its room has been quiet for a while, when a support conversation's visitor
 * has left, or when the conversation is closed.
 */
import { z } from 'zod';
import { pageLimit } from './paging.ts';

export const MAX_SESSIONS_PAGE = 100;
export const DEFAULT_SESSIONS_PAGE = 20;

export const roomSessionSchema = z
  .strictObject({
    id: z.string(),
    roomId: z.string(),
    startedAt: z.string().describe("ISO 8601: the session's first message."),
    endedAt: z.string().describe("ISO 8601: the session's last message."),
    durationMs: z.number().int().min(0).describe('From the first message to the last.'),
    messageCount: z.number().int().min(0).describe('How many messages the summary covers.'),
    summary: z.string().describe('Plain text, one item a line.'),
  })
  .describe("A session of a room and its summary: the memory the room's agents read.");

export const sessionsQuerySchema = z.object({
  limit: pageLimit('Sessions to list', MAX_SESSIONS_PAGE, DEFAULT_SESSIONS_PAGE),
});

export const sessionsResponseSchema = z.strictObject({
  sessions: z.array(roomSessionSchema).describe('Newest first.'),
});

export type RoomSessionSummary = z.infer<typeof roomSessionSchema>;
