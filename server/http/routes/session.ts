import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { sessionRequestSchema } from '../../../protocol/schemas/rest.ts';
import type { FixedWindowRateLimiter } from '../../auth/rate-limit.ts';
import {
  identifiedParticipantId,
  verifyIdentity,
  verifyIdentityToken,
} from '../../auth/identity.ts';
import {
  issueRoomToken,
  TokenError,
  verifyAccessToken,
  type AccessGrant,
} from '../../auth/tokens.ts';
import { displayNameKey } from '../../lib/display-name.ts';
import type { Logger } from '../../lib/logger.ts';
import { expectedOrigin, realtimeUrlOf, type HostPolicy } from '../../lib/public-url.ts';
import type { Room } from '../../store/rooms.ts';
import { ERROR_CODE, HttpError } from '../http-error.ts';
import { rateLimitByIp } from '../middleware/rate-limit.ts';
import { bearerToken } from '../middleware/room-access.ts';
import { parseInput } from '../parse-input.ts';
import type { AgentProfile, RoomService, RoomStore } from '../room-service.ts';

export interface SessionRouteDependencies {
  store: RoomStore;
  rooms: RoomService;
  log: Logger;
  jwtSecret: string;
  identitySecret: string | null;
  sessionTtlSeconds: number;
  /** The public realtime URL; null derives it from the request's `Host` when {@link hosts} expects it. */
  realtimeUrl: string | null;
  /** Which `Host` values may make the realtime URL when it is not configured. */
  hosts: HostPolicy;
  anonKey: string;
  /** Where the widget sends typing: over the channel (the embedded hub checks it) or `POST /api/rooms/:room/typing`. */
  realtimeTyping: 'channel' | 'server';
  sessionsPerIp: FixedWindowRateLimiter;
  now: () => number;
}

const GUEST_PREFIX = 'guest:';
const SHOW_AGENTS_WAIT_MS = 1000;

/**
 * A room's title made from its id: `product-launch_2` → `Product launch 2`.
 * @example titleFromRoomId('support-desk') // 'Support desk'
 */
export function titleFromRoomId(roomId: string): string {
  const words = roomId.replace(/[-_]+/g, ' ').trim();
  return words === '' ? roomId : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * `POST /api/session`: a short-lived room token for one participant (docs/architecture.md §6).
 *
 * - Guests get a fresh participant id (`guest:<uuid>`), in rooms whose `guestAccess` is on.
 * - A host-signed `identity` (an identity JWT, or the older `{ userId, signature }`) makes the
 *   participant `user:<userId>`, the same on every device; rooms with `guestAccess: false` admit
 *   only these (`server/auth/identity.ts`).
 * - The name must show something and may not be one of the room's agents' (409 `name_taken`).
 * - The realtime URL is the configured one, else built from an expected `Host` (400 otherwise).
 * - **Refresh**: calling again with `Authorization: Bearer <current token>` for the same room keeps
 *   the participant id (and the verified identity); a token that expired less than one TTL ago is
 *   still accepted for this, so a tab that slept keeps its id. Tokens for another room, service
 *   keys and long-expired tokens are ignored (a new guest), a forged or malformed one is a 401.
 *
 * The room is created on first use (its title derived from its id) only once the request has
 * been accepted: a refused session changes nothing.
 */
export function sessionRoutes(deps: SessionRouteDependencies): Router {
  const router = Router();
  router.post(
    '/api/session',
    rateLimitByIp(deps.sessionsPerIp, 'new sessions from your network'),
    async (request, response) => {
      const body = parseInput(sessionRequestSchema, request.body, 'body');
      const realtimeUrl = deps.realtimeUrl ?? realtimeUrlFromHost(request, deps.hosts);
      const previous = currentParticipant(request, body.room, deps);
      const stored = await deps.store.rooms.getRoom(body.room);
      const nowIso = new Date(deps.now()).toISOString();
      const candidate: Room = stored ?? {
        id: body.room,
        title: titleFromRoomId(body.room),
        settings: {},
        createdAt: nowIso,
        updatedAt: nowIso,
      };
      const settings = deps.rooms.settingsOf(candidate);

      let participantId: string;
      let name = body.name;
      if (body.identity) {
        if (deps.identitySecret === null) {
          throw new HttpError(
            401,
            ERROR_CODE.INVALID_IDENTITY,
            'This server does not verify host identities (CHORUS_IDENTITY_SECRET is not set); leave out "identity"',
          );
        }
        if (typeof body.identity === 'string') {
          const verified = verifyIdentityToken(body.identity, deps.identitySecret, deps.now()); // an IdentityError is a 401 saying why
          participantId = identifiedParticipantId(verified.userId);
          name = verified.name;
        } else {
          if (!verifyIdentity(body.identity, deps.identitySecret)) {
            throw new HttpError(
              401,
              ERROR_CODE.INVALID_IDENTITY,
              '"identity.signature" is not the HMAC-SHA256 of "identity.userId" with the identity secret',
            );
          }
          participantId = identifiedParticipantId(body.identity.userId);
          name = body.identity.name ?? body.name;
        }
      } else {
        participantId = previous ?? `${GUEST_PREFIX}${randomUUID()}`;
      }
      if (!settings.guestAccess && participantId.startsWith(GUEST_PREFIX)) {
        throw new HttpError(
          403,
          ERROR_CODE.IDENTITY_REQUIRED,
          `Room "${body.room}" admits only users verified by the host site: send "identity": { "userId", "signature" }`,
        );
      }

      refuseAgentName(name, deps.rooms.agentsOf(candidate));

      const room =
        stored ?? (await deps.store.rooms.ensureRoom({ id: candidate.id, title: candidate.title }));
      await deps.store.rooms.upsertParticipant({
        roomId: room.id,
        id: participantId,
        kind: 'human',
        name,
      });
      if (previous === null) {
        await deps.store.audit.appendEvent({
          roomId: room.id,
          kind: 'session.created',
          actor: participantId,
          data: { identified: body.identity !== undefined },
        });
      }
      await showAgentsBriefly(deps, room);

      const { token, expiresAt } = issueRoomToken({
        secret: deps.jwtSecret,
        roomId: room.id,
        participantId,
        name,
        ttlSeconds: deps.sessionTtlSeconds,
        nowMs: deps.now(),
      });
      response.json({
        token,
        expiresAt: expiresAt.toISOString(),
        participant: { id: participantId, name },
        room: { id: room.id, title: room.title },
        realtime: { url: realtimeUrl, apikey: deps.anonKey, typing: deps.realtimeTyping },
      });
    },
  );
  return router;
}

/**
 * `ws(s)://<Host>/realtime/v1` when the request's `Host` is one this server expects
 * ({@link expectedOrigin}); otherwise a 400, as a forged `Host` must not become a URL browsers use.
 */
function realtimeUrlFromHost(request: Request, hosts: HostPolicy): string {
  const origin = expectedOrigin(request.get('host'), request.secure, hosts);
  if (origin !== null) return realtimeUrlOf(origin);
  throw new HttpError(
    400,
    ERROR_CODE.HOST_NOT_ALLOWED,
    `This server does not answer as "Host: ${(request.get('host') ?? '').slice(0, 100)}"; set CHORUS_PUBLIC_URL to the address browsers use (e.g. https://chat.example.com)`,
  );
}

/** A 409 `name_taken` when `name` is, once normalised, the name or handle of one of the room's agents. */
function refuseAgentName(name: string, agents: readonly AgentProfile[]): void {
  const key = displayNameKey(name);
  const agent = agents.find(
    (profile) => displayNameKey(profile.name) === key || displayNameKey(profile.handle) === key,
  );
  if (agent === undefined) return;
  throw new HttpError(
    409,
    ERROR_CODE.NAME_TAKEN,
    `"${name}" is the name of this room's agent ${agent.name} (@${agent.handle}); choose another name`,
  );
}

/**
 * Shows the room's agents in its presence, waiting at most {@link SHOW_AGENTS_WAIT_MS}: in process
 * it is immediate, but a hosted Realtime's presence calls may be slow or rate-limited, and a
 * session must not wait on them (presence is a hint; the agents appear when it lands).
 */
async function showAgentsBriefly(deps: SessionRouteDependencies, room: Room): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const shown = deps.rooms
    .showAgents(room)
    .catch((error: unknown) =>
      deps.log('warn', 'http.show_agents_failed', { roomId: room.id, error }),
    );
  await Promise.race([
    shown,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, SHOW_AGENTS_WAIT_MS))),
  ]);
  clearTimeout(timer);
}

/** The participant id of a current (or recently expired) room token of `roomId`, else null. */
function currentParticipant(
  request: Request,
  roomId: string,
  deps: SessionRouteDependencies,
): string | null {
  const token = bearerToken(request);
  if (token === undefined) return null;
  let grant: AccessGrant;
  try {
    grant = verifyAccessToken(token, deps.jwtSecret, {
      nowMs: deps.now(),
      graceSeconds: deps.sessionTtlSeconds,
    });
  } catch (error) {
    if (error instanceof TokenError && error.expired) return null;
    throw new HttpError(
      401,
      ERROR_CODE.UNAUTHORIZED,
      `The Authorization header does not hold a valid room token (leave it out to start a new session)`,
      {
        cause: error,
      },
    );
  }
  return grant.kind === 'room' && grant.roomId === roomId ? grant.participantId : null;
}
