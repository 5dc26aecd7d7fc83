import { Router, type Request, type RequestHandler } from 'express';
import { isStaffRole } from '../../../protocol/room.ts';
import {
  conversationsQuerySchema,
  DEFAULT_CONVERSATION_PAGE_SIZE,
  handoffRequestSchema,
  muteRequestSchema,
  participantParamsSchema,
} from '../../../protocol/schemas/conversations.ts';
import {
  DEFAULT_PAGE_SIZE,
  messageParamsSchema,
  messagesQuerySchema,
  postMessageRequestSchema,
  stopRequestSchema,
} from '../../../protocol/schemas/rest.ts';
import type { AccessGrant } from '../../auth/tokens.ts';
import type { Actor } from '../../orchestrator/conversations.ts';
import type { RateLimiter } from '../../auth/rate-limit.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { takeMessageLimits } from '../middleware/rate-limit.ts';
import { parseInput } from '../parse-input.ts';
import { roomContext } from '../request-context.ts';
import { roomSummary } from './session.ts';
import type { RoomService, RoomStore } from '../room-service.ts';

export interface RoomRouteDependencies {
  store: RoomStore;
  rooms: RoomService;
  /** The room-access middleware (bearer, room claim, room exists). */
  access: RequestHandler;
  /** Posts and regenerations per participant. */
  messagesPerParticipant: RateLimiter;
  /** Posts and regenerations per client IP, whatever the session (new sessions do not reset it). */
  messagesPerIp: RateLimiter;
  messageChars: number;
}

/** The person a room token speaks for; undefined for the service key (no limits). */
function actorOf(grant: AccessGrant): Actor | undefined {
  return grant.kind === 'room'
    ? { id: grant.participantId, name: grant.name, role: grant.role }
    : undefined;
}

/** A 403 unless the token is staff's (or the service key). */
function requireStaff(grant: AccessGrant, what: string): void {
  if (grant.kind === 'room' && !isStaffRole(grant.role))
    throw new HttpError(403, ERROR_CODE.FORBIDDEN, `Only the team may ${what}`);
}

/**
 * The room's REST calls (docs/architecture.md §3, §8): the room and its agents, the transcript
 * (in-flight replies overlaid with their live state), posting (idempotent by id), stop and
 * regenerate; in support rooms the conversations list, takeover, moderation and read marks.
 */
export function roomRoutes(deps: RoomRouteDependencies): Router {
  const { store, rooms, access } = deps;
  const postMessageSchema = postMessageRequestSchema(deps.messageChars);
  const router = Router();

  /** Counts a message of a participant against their limit and their IP's (service tokens are not limited). */
  const takeMessage = (request: Request, roomId: string, participantId: string) =>
    takeMessageLimits(deps, request, roomId, participantId);

  router.get('/api/rooms/:room', access, async (_request, response) => {
    const { room } = roomContext(response);
    const settings = rooms.settingsOf(room);
    // A visitor's new conversation reminds them of their last one (docs/architecture.md §4).
    const lastSession =
      (await store.summaries.latestSession(room.id)) ??
      (room.parentId !== null && room.visitorId !== null
        ? await store.summaries.latestVisitorSession(room.parentId, room.visitorId)
        : null);
    response.json({
      room: { ...roomSummary(room, settings), settings },
      agents: rooms.agentsOf(room).map((agent) => ({
        id: agent.handle,
        name: agent.name,
        handle: agent.handle,
        color: agent.color,
        model: agent.model,
        description: agent.description,
      })),
      lastSession,
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
    await rooms.assertMayPost(room, grant.participantId);
    await takeMessage(request, room.id, grant.participantId);
    const staffRole = isStaffRole(grant.role) ? grant.role : undefined;
    const { message, created } = await rooms.postMessage({
      room,
      id: body.id,
      author: {
        kind: 'human',
        id: grant.participantId,
        name: grant.name,
        ...(staffRole ? { role: staffRole } : {}),
      },
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
    await rooms.stop({ roomId: room.id, ...target }, actorOf(grant));
    response.status(202).json({ status: 'stopping' });
  });

  router.post('/api/rooms/:room/messages/:id/regenerate', access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const { id } = parseInput(messageParamsSchema, request.params, 'path');
    if (grant.kind === 'room') await takeMessage(request, room.id, grant.participantId);
    response.status(202).json(await rooms.regenerate(room, id, actorOf(grant)));
  });

  router.post('/api/rooms/:room/handoff', access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const body = parseInput(handoffRequestSchema, request.body, 'body');
    const actor = actorOf(grant) ?? SERVICE_ACTOR;
    response.json({ status: await rooms.handoff(room, body.to, actor) });
  });

  router.delete('/api/rooms/:room/messages/:id', access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const { id } = parseInput(messageParamsSchema, request.params, 'path');
    requireStaff(grant, 'remove messages');
    response.json({
      message: await rooms.deleteMessage(room, id, actorOf(grant) ?? SERVICE_ACTOR),
    });
  });

  router.post(
    '/api/rooms/:room/participants/:participant/mute',
    access,
    async (request, response) => {
      const { room, grant } = roomContext(response);
      const { participant } = parseInput(participantParamsSchema, request.params, 'path');
      const body = parseInput(muteRequestSchema, request.body, 'body');
      requireStaff(grant, 'mute people');
      const muted = await rooms.mute(room, participant, body, actorOf(grant) ?? SERVICE_ACTOR);
      response.json({
        participantId: muted.id,
        muted: muted.mutedUntil !== null,
        until: muted.mutedUntil === 'forever' ? null : muted.mutedUntil,
      });
    },
  );

  router.get('/api/rooms/:room/conversations', access, async (request, response) => {
    const { room, grant } = roomContext(response);
    const query = parseInput(conversationsQuerySchema, request.query, 'query');
    requireStaff(grant, 'list conversations');
    if (room.parentId !== null || rooms.settingsOf(room).kind !== 'support') {
      throw new HttpError(
        409,
        ERROR_CODE.NOT_A_SUPPORT_ROOM,
        `Room "${room.id}" is not a support room: it has no conversations`,
      );
    }
    const page = await store.rooms.listConversations(room.id, {
      ...(query.status ? { status: query.status } : {}),
      before: query.before ?? null,
      limit: query.limit ?? DEFAULT_CONVERSATION_PAGE_SIZE,
    });
    response.json({
      conversations: page.conversations.map((conversation) => ({
        ...conversation,
        lastMessage:
          conversation.lastMessage?.status === 'streaming'
            ? rooms.liveMessage(conversation.lastMessage)
            : conversation.lastMessage,
      })),
      nextCursor: page.nextCursor,
    });
  });

  router.post('/api/rooms/:room/read', access, async (_request, response) => {
    const { room, grant } = roomContext(response);
    requireStaff(grant, 'mark conversations read');
    if (room.parentId === null) {
      throw new HttpError(
        409,
        ERROR_CODE.NOT_A_CONVERSATION,
        `Room "${room.id}" is not a support conversation`,
      );
    }
    await store.rooms.markConversationRead(room.id);
    await rooms.conversationOpened(room);
    response.status(204).end();
  });

  return router;
}

/** The service key acting (it has every right): shown as the server. */
const SERVICE_ACTOR: Actor = { id: 'service', name: 'Chorus', role: 'admin' };
