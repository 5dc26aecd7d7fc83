import { Router, type RequestHandler } from 'express';
import {
  DEFAULT_SESSIONS_PAGE,
  sessionsQuerySchema,
  type RoomSessionSummary,
} from '../../../protocol/schemas/sessions.ts';
import type { Summaries } from '../../store/summaries.ts';
import { parseInput } from '../parse-input.ts';
import { roomContext } from '../request-context.ts';

/**
 * `GET /api/rooms/:room/sessions?limit=`: the room's session summaries, newest first, with their
 * start, end and duration (docs/architecture.md §4). Whoever may read the room's transcript may
 * read its summaries; a room's summaries are never another room's.
 */
export function roomSessionsRoutes(deps: {
  summaries: Pick<Summaries, 'listSessions'>;
  access: RequestHandler;
}): Router {
  const router = Router();
  router.get('/api/rooms/:room/sessions', deps.access, async (request, response) => {
    const { room } = roomContext(response);
    const query = parseInput(sessionsQuerySchema, request.query, 'query');
    const sessions: RoomSessionSummary[] = await deps.summaries.listSessions(
      room.id,
      query.limit ?? DEFAULT_SESSIONS_PAGE,
    );
    response.json({ sessions });
  });
  return router;
}
