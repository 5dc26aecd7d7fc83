import type { Response } from 'express';
import type { AccessGrant } from '../auth/tokens.ts';
import type { Room } from '../store/rooms.ts';

/** What the middleware learned about a request, kept in `response.locals`. */
export interface RequestContext {
  requestId: string;
  /** The verified bearer (routes under `/api/rooms/:room`). */
  grant?: AccessGrant;
  /** The room of the URL, loaded and access-checked. */
  room?: Room;
}

/** The request's context (created by the request-id middleware, which runs first). */
export function requestContext(response: Response): RequestContext {
  return response.locals as RequestContext;
}

/** The room and grant of a `/api/rooms/:room` route; throws if the room-access middleware did not run. */
export function roomContext(response: Response): {
  room: Room;
  grant: AccessGrant;
  requestId: string;
} {
  const { room, grant, requestId } = requestContext(response);
  if (!room || !grant)
    throw new Error('roomContext() used on a route without the room-access middleware');
  return { room, grant, requestId };
}
