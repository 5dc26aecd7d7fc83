import type { Request, RequestHandler } from 'express';
import { isStaffRole } from '../../../protocol/room.ts';
import { TokenError, verifyAccessToken } from '../../auth/tokens.ts';
import { roomParamsSchema } from '../../../protocol/schemas/rest.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { parseInput } from '../parse-input.ts';
import { requestContext } from '../request-context.ts';
import type { RoomStore } from '../room-service.ts';

const GET_A_TOKEN = 'get a room token from POST /api/session';

/**
 * The bearer token of a request: `Authorization: Bearer <token>`, or (when `allowQueryToken`, for
 * EventSource, which cannot set headers) an `access_token` query parameter. Undefined when there
 * is none; a malformed header is a 401.
 */
export function bearerToken(
  request: Request,
  options: { allowQueryToken?: boolean } = {},
): string | undefined {
  const header = request.get('authorization');
  if (header !== undefined) {
    const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
    if (!match?.[1])
      throw new HttpError(
        401,
        ERROR_CODE.UNAUTHORIZED,
        `The Authorization header must be "Bearer <token>"; ${GET_A_TOKEN}`,
      );
    return match[1];
  }
  const query = options.allowQueryToken ? request.query.access_token : undefined;
  return typeof query === 'string' && query !== '' ? query : undefined;
}

/** Verifies a bearer token; a refusal becomes a 401 `unauthorized` saying why. */
export function verifyBearer(token: string, jwtSecret: string, options: { nowMs?: number } = {}) {
  try {
    return verifyAccessToken(token, jwtSecret, options);
  } catch (error) {
    if (error instanceof TokenError)
      throw new HttpError(401, ERROR_CODE.UNAUTHORIZED, error.message, { cause: error });
    throw error;
  }
}

/**
 * Guards `/api/rooms/:room…` (docs/architecture.md §6, §8): a valid bearer token (401
 * `unauthorized`) for the room of the URL (403 `forbidden_room` otherwise), for a room that exists
 * (404 `not_found`). Staff reach further: an operator's token also opens the conversations of the
 * support room it is for, an admin's every room; the service key, every room. Puts the grant and
 * the room in the request context.
 */
export function roomAccess(options: {
  jwtSecret: string;
  store: RoomStore;
  now: () => number;
  allowQueryToken?: boolean;
}): RequestHandler {
  return async (request, response, next) => {
    const token = bearerToken(request, options);
    if (token === undefined) {
      throw new HttpError(
        401,
        ERROR_CODE.UNAUTHORIZED,
        `This call needs "Authorization: Bearer <room token>"; ${GET_A_TOKEN}`,
      );
    }
    const grant = verifyBearer(token, options.jwtSecret, { nowMs: options.now() });
    const { room: roomId } = parseInput(roomParamsSchema, { room: request.params.room }, 'path');
    const foreign = grant.kind === 'room' && grant.roomId !== roomId;
    const wrongRoom = () =>
      new HttpError(
        403,
        ERROR_CODE.FORBIDDEN_ROOM,
        `This token is for room "${grant.kind === 'room' ? grant.roomId : ''}", not "${roomId}"; ${GET_A_TOKEN} for "${roomId}"`,
      );
    // Visitors never learn whether another room exists: refused before the lookup.
    if (foreign && !isStaffRole(grant.role)) throw wrongRoom();
    const room = await options.store.rooms.getRoom(roomId);
    if (foreign && grant.role === 'operator' && room?.parentId !== grant.roomId) throw wrongRoom();
    if (!room)
      throw new HttpError(
        404,
        ERROR_CODE.NOT_FOUND,
        `Room "${roomId}" does not exist (POST /api/session creates a room)`,
      );
    const context = requestContext(response);
    context.grant = grant;
    context.room = room;
    next();
  };
}
