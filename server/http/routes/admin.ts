import { Router, type RequestHandler } from 'express';
import { adminRoomUpdateSchema, roomParamsSchema } from '../../../protocol/schemas/rest.ts';
import { isAdminKey } from '../../auth/keys.ts';
import type { Room } from '../../store/rooms.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { bearerToken, verifyBearer } from '../middleware/room-access.ts';
import { parseInput } from '../parse-input.ts';
import type { RoomService, RoomStore } from '../room-service.ts';

export interface AdminRouteDependencies {
  store: RoomStore;
  rooms: RoomService;
  jwtSecret: string;
  /** Null: only admin room tokens open the admin API. */
  adminKey: string | null;
  now: () => number;
}

/**
 * The admin API (docs/architecture.md §8): the rooms and their settings, changed at once for new
 * and existing rooms (and so for every conversation of a support room, which reads its settings).
 * The bearer is the admin key, or a room token with the `admin` role.
 */
export function adminRoutes(deps: AdminRouteDependencies): Router {
  const router = Router();
  const admin = adminOnly(deps);

  router.get('/api/admin/rooms', admin, async (_request, response) => {
    const rooms = await deps.store.rooms.listRooms();
    response.json({
      rooms: rooms.map((room) => describe(room, deps.rooms, room.openConversations)),
    });
  });

  router.put('/api/admin/rooms/:room', admin, async (request, response) => {
    const { room: roomId } = parseInput(roomParamsSchema, request.params, 'path');
    const { title, ...settings } = parseInput(adminRoomUpdateSchema, request.body, 'body');
    const existing = await deps.store.rooms.getRoom(roomId);
    if (existing?.parentId) {
      throw new HttpError(
        409,
        ERROR_CODE.NOT_A_SUPPORT_ROOM,
        `Room "${roomId}" is a conversation of "${existing.parentId}": change the support room's settings`,
      );
    }
    const known = new Set(deps.rooms.allAgents().map((agent) => agent.handle));
    const unknown = (settings.agents ?? []).filter((handle) => !known.has(handle));
    if (unknown.length > 0) {
      throw new HttpError(
        400,
        ERROR_CODE.INVALID_REQUEST,
        `"agents" names no persona of this server: ${unknown.map((handle) => `"${handle}"`).join(', ')} (known: ${[...known].join(', ')})`,
      );
    }
    const saved = await deps.store.rooms.saveRoom({
      id: roomId,
      ...(title === undefined ? {} : { title }),
      settings,
    });
    const open = (await deps.store.rooms.listRooms()).find((room) => room.id === roomId);
    response
      .status(existing ? 200 : 201)
      .json({ room: describe(saved, deps.rooms, open?.openConversations ?? 0) });
  });

  return router;
}

function describe(room: Room, rooms: RoomService, conversations: number) {
  return {
    id: room.id,
    title: room.title,
    settings: rooms.settingsOf(room),
    conversations,
    createdAt: room.createdAt,
    updatedAt: room.updatedAt,
  };
}

/** 401 without a bearer or with a bad one; 403 for a token that is not an admin's. */
function adminOnly(deps: AdminRouteDependencies): RequestHandler {
  return (request, _response, next) => {
    const token = bearerToken(request);
    if (token === undefined) {
      throw new HttpError(
        401,
        ERROR_CODE.UNAUTHORIZED,
        'The admin API needs "Authorization: Bearer <admin key>" (CHORUS_ADMIN_KEY, printed by npm start)',
      );
    }
    if (deps.adminKey !== null && isAdminKey(token, deps.adminKey)) return next();
    const grant = verifyBearer(token, deps.jwtSecret, { nowMs: deps.now() });
    if (grant.kind === 'service' || grant.role === 'admin') return next();
    throw new HttpError(403, ERROR_CODE.FORBIDDEN, 'Only an admin may use the admin API');
  };
}
