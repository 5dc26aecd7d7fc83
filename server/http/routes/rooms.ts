import { Router, type Request, type RequestHandler } from 'express';
import {
  DEFAULT_PAGE_SIZE,
  messageParamsSchema,
  messagesQuerySchema,
  postMessageRequestSchema,
  stopRequestSchema,
} from '../../../protocol/schemas/rest.ts';
import type { FixedWindowRateLimiter } from '../../auth/rate-limit.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { takeRateLimit } from '../middleware/rate-limit.ts';
import { parseInput } from '../parse-input.ts';
import { roomContext } from '../request-context.ts';
import type { RoomService, RoomStore } from '../room-service.ts';

export interface RoomRouteDependencies {
  store: RoomStore;
  rooms: RoomService;
  /** The room-access middleware (bearer, room claim, room exists). */
  access: RequestHandler;
  /** Posts and regenerations per participant. */
  messagesPerParticipant: FixedWindowRateLimiter;
  /** Posts and regenerations per client IP, whatever the session (new sessions do not reset it). */
  messagesPerIp: FixedWindowRateLimiter;
  messageChars: number;
}

/**
 * The room's REST calls (docs/architecture.md §3): the room and its agents, the transcript (in-flight
 * replies overlaid with their live state), posting (idempotent by id), stop and regenerate.
 */
export function roomRoutes(deps: RoomRouteDependencies): Router {
  const { store, rooms, access } = deps;
  const postMessageSchema = postMessageRequestSchema(deps.messageChars);
  const router = Router();

  /** Counts a message of a participant against their limit and their IP's (service tokens are not limited). */
  const takeMessage = (request: Request, roomId: string, participantId: string) => {
    takeRateLimit(
      deps.messagesPerParticipant,
      `${roomId}\u0000${participantId}`,
      'messages from you in this room',
    );
    takeRateLimit(deps.messagesPerIp, request.ip ?? 'unknown', 'messages from your network');
  };

  router.get('/api/rooms/:room', access, (_request, response) => {
    const { room } = roomContext(response);
    response.json({
      room: { id: room.id, title: room.title, settings: rooms.settingsOf(room) },
      agents: rooms.agentsOf(room).map((agent) => ({
        id: agent.handle,
        name: agent.name,
        handle: agent.handle,
        color: agent.color,
        model: agent.model,
        description: agent.description,
      })),
    });
  });

  router.get('/api/rooms/:room/messages', access, async (request, response) => {
    const { room } = roomContext(response);
    const query = parseInput(messagesQuerySchema, request.query, 'query');
    const page = await store.transcript.listMessages(room.id, {
      before: query.before ?? null,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
    });
    response.json({
      messages: page.messages.map((message) =>
        message.status === 'streaming' ? rooms.liveMessage(message) : message,
      ),
      nextCursor: page.nextCursor,
    });
  });

  router.post('/api/rooms/:room/messages', access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const body = parseInput(postMessageSchema, request.body, 'body');
    if (grant.kind !== 'room') {
      throw new HttpError(
        403,
        ERROR_CODE.PARTICIPANT_REQUIRED,
        'A message needs an author: post with a room token from POST /api/session, not a service key',
      );
    }
    takeMessage(request, room.id, grant.participantId);
    const { message, created } = await rooms.postMessage({
      room,
      id: body.id,
      author: { kind: 'human', id: grant.participantId, name: grant.name },
      content: body.content,
    });
    response.status(created ? 201 : 200).json({ message });
  });

  router.post('/api/rooms/:room/stop', access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const body = parseInput(stopRequestSchema, request.body, 'body');
    if (
      body.agentId !== undefined &&
      !rooms.agentsOf(room).some((agent) => agent.handle === body.agentId)
    ) {
      throw new HttpError(
        404,
        ERROR_CODE.NOT_FOUND,
        `No agent "@${body.agentId}" in room "${room.id}"`,
      );
    }
    const target =
      body.messageId !== undefined
        ? { messageId: body.messageId }
        : body.agentId !== undefined
          ? { agentId: body.agentId }
          : { all: true as const };
    await rooms.stop(
      { roomId: room.id, ...target },
      grant.kind === 'room' ? { id: grant.participantId, name: grant.name } : undefined,
    );
    response.status(202).json({ status: 'stopping' });
  });

  router.post('/api/rooms/:room/messages/:id/regenerate', access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const { id } = parseInput(messageParamsSchema, request.params, 'path');
    if (grant.kind === 'room') takeMessage(request, room.id, grant.participantId);
    response
      .status(202)
      .json(
        await rooms.regenerate(
          room,
          id,
          grant.kind === 'room' ? { id: grant.participantId, name: grant.name } : undefined,
        ),
      );
  });

  return router;
}
