import { Router, type RequestHandler } from 'express';
import { typingRequestSchema } from '../../../protocol/schemas/rest.ts';
import { FixedWindowRateLimiter } from '../../auth/rate-limit.ts';
import type { RoomBus } from '../../realtime/room-bus.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { takeRateLimit } from '../middleware/rate-limit.ts';
import { parseInput } from '../parse-input.ts';
import { roomContext } from '../request-context.ts';

/** `typing` updates a participant may send per minute: the widget sends one per 3 s while typing, plus the stops. */
export const TYPING_UPDATES_PER_MINUTE = 40;

export interface TypingRouteDependencies {
  /** The room bus: the server publishes the `typing` itself, with its own key. */
  bus: Pick<RoomBus, 'broadcast'>;
  /** The room-access middleware (bearer, room claim, room exists). */
  access: RequestHandler;
  now?: () => number;
}

/**
 * `POST /api/rooms/:room/typing {typing}`: typing indicators through the server, for a widget
 * whose Realtime cannot check what browsers send (hosted Supabase: RLS sees neither the event
 * nor the payload; docs/decisions.md, "On Supabase, typing goes through the server"). The
 * participant id and name come from the room token, never from the body; the update is
 * rate-limited per participant and broadcast as `typing` on the room's channel. Answers 204.
 */
export function typingRoutes(deps: TypingRouteDependencies): Router {
  const updates = new FixedWindowRateLimiter({
    limit: TYPING_UPDATES_PER_MINUTE,
    windowMs: 60_000,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const router = Router();
  router.post('/api/rooms/:room/typing', deps.access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const body = parseInput(typingRequestSchema, request.body, 'body');
    if (grant.kind !== 'room') {
      throw new HttpError(
        403,
        ERROR_CODE.PARTICIPANT_REQUIRED,
        'Typing needs a participant: send it with a room token from POST /api/session, not a service key',
      );
    }
    await takeRateLimit(
      updates,
      `${room.id}\u0000${grant.participantId}`,
      'typing updates from you in this room',
    );
    await deps.bus.broadcast(room.id, 'typing', {
      participantId: grant.participantId,
      name: grant.name,
      typing: body.typing,
    });
    response.status(204).end();
  });
  return router;
}
