import { Router, type Request } from 'express';
import { isStaffRole, type RoomSettings } from '../../../protocol/room.ts';
import { sessionRequestSchema, type RoomSummary } from '../../../protocol/schemas/rest.ts';
import { isAdminKey } from '../../auth/keys.ts';
import type { RateLimiter } from '../../auth/rate-limit.ts';
import { issueRoomToken } from '../../auth/tokens.ts';
import { displayNameKey } from '../../lib/display-name.ts';
import type { Logger } from '../../lib/logger.ts';
import { expectedOrigin, realtimeUrlOf, type HostPolicy } from '../../lib/public-url.ts';
import type { SupabaseAuth } from '../../auth/supabase-auth.ts';
import type { Room } from '../../store/rooms.ts';
import { ADMIN_PARTICIPANT_ID, currentParticipant, identify } from '../session-identity.ts';
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
  /** Verifies Supabase Auth access tokens given as `identity`; null refuses them. */
  supabaseAuth: SupabaseAuth | null;
  sessionTtlSeconds: number;
  /** The public realtime URL; null derives it from the request's `Host` when {@link hosts} expects it. */
  realtimeUrl: string | null;
  /** Which `Host` values may make the realtime URL when it is not configured. */
  hosts: HostPolicy;
  anonKey: string;
  /** Where the widget sends typing: over the channel (the embedded hub checks it) or `POST /api/rooms/:room/typing`. */
  realtimeTyping: 'channel' | 'server';
  sessionsPerIp: RateLimiter;
  /** The admin key: as bearer, it opens an `admin` session; null: no admin sessions. */
  adminKey: string | null;
  now: () => number;
}

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
 * `POST /api/session`: a short-lived room token for one participant (docs/architecture.md §6, §8).
 *
 * - Guests get a fresh participant id (`guest:<uuid>`), in rooms whose `guestAccess` is on.
 * - A host-signed `identity` (an identity JWT, or the older `{ userId, signature }`) makes the
 *   participant `user:<userId>`, the same on every device; rooms with `guestAccess: false` admit
 *   only these (`server/auth/identity.ts`). The JWT's `role` (member, operator, admin) is the
 *   token's role; the older signature makes a member. The admin key as bearer makes an admin.
 * - A Supabase Auth access token as `identity` (`server/auth/supabase-auth.ts`) makes the
 *   participant `supabase:<auth user id>`, a `member` (a `guest` when signed in anonymously),
 *   named by its `user_metadata.full_name` or `name`, else by `name`.
 * - In a `support` room a guest or member gets their own conversation (a child room, the same
 *   open one again on refresh and, for a verified user, on every device): the token, the channel
 *   and every REST call then use its id. Staff get a token for the support room itself, which
 *   also opens its conversations. A conversation asked for by id answers only staff and its visitor.
 * - A room with `allowedOrigins` refuses a session from a page elsewhere (403).
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
      const bearer = bearerToken(request);
      const asAdmin =
        bearer !== undefined && deps.adminKey !== null && isAdminKey(bearer, deps.adminKey);
      const stored = await deps.store.rooms.getRoom(body.room);
      const previous = asAdmin ? null : await currentParticipant(bearer, body.room, stored, deps);
      const nowIso = new Date(deps.now()).toISOString();
      const candidate: Room = stored ?? {
        id: body.room,
        title: titleFromRoomId(body.room),
        settings: {},
        parentId: null,
        visitorId: null,
        status: null,
        createdAt: nowIso,
        updatedAt: nowIso,
      };
      const settings = deps.rooms.settingsOf(candidate);
      refuseOrigin(request, body.room, settings.allowedOrigins);

      const who = asAdmin
        ? { participantId: ADMIN_PARTICIPANT_ID, name: body.name, role: 'admin' as const }
        : await identify(body, previous, deps);
      if (!settings.guestAccess && who.role === 'guest') {
        throw new HttpError(
          403,
          ERROR_CODE.IDENTITY_REQUIRED,
          `Room "${body.room}" admits only users verified by the host site: send "identity": { "userId", "signature" }`,
        );
      }
      refuseAgentName(who.name, deps.rooms.agentsOf(candidate));

      const room =
        stored ?? (await deps.store.rooms.ensureRoom({ id: candidate.id, title: candidate.title }));
      const staff = isStaffRole(who.role);
      let target = room;
      let opened = false;
      if (room.parentId !== null) {
        // Asked for a conversation by its id: staff, or the visitor it is with.
        if (!staff && room.visitorId !== who.participantId) {
          throw new HttpError(
            403,
            ERROR_CODE.FORBIDDEN,
            `This conversation belongs to someone else; ask for a session in room "${room.parentId}"`,
          );
        }
      } else if (settings.kind === 'support' && !staff) {
        const conversation = await deps.store.rooms.openConversation({
          parentId: room.id,
          visitor: { id: who.participantId, name: who.name, role: who.role },
          title: who.name,
        });
        target = conversation.room;
        opened = conversation.created;
      }
      await deps.store.rooms.upsertParticipant({
        roomId: target.id,
        id: who.participantId,
        kind: 'human',
        name: who.name,
        role: who.role,
      });
      if (previous === null) {
        await deps.store.audit.appendEvent({
          roomId: target.id,
          kind: 'session.created',
          actor: who.participantId,
          data: { identified: body.identity !== undefined || asAdmin, role: who.role },
        });
      }
      if (opened) await deps.rooms.conversationOpened(target);
      await showAgentsBriefly(deps, target);

      const { token, expiresAt } = issueRoomToken({
        secret: deps.jwtSecret,
        roomId: target.id,
        participantId: who.participantId,
        name: who.name,
        role: who.role,
        ttlSeconds: deps.sessionTtlSeconds,
        nowMs: deps.now(),
      });
      response.json({
        token,
        expiresAt: expiresAt.toISOString(),
        participant: { id: who.participantId, name: who.name, role: who.role },
        room: roomSummary(target, deps.rooms.settingsOf(target)),
        realtime: { url: realtimeUrl, apikey: deps.anonKey, typing: deps.realtimeTyping },
      });
    },
  );
  return router;
}

/** A 403 when the room names the pages that may embed it and the request's `Origin` is not one. */
function refuseOrigin(request: Request, roomId: string, allowed: readonly string[]): void {
  const origin = request.get('origin');
  if (allowed.length === 0 || origin === undefined || allowed.includes(origin)) return;
  throw new HttpError(
    403,
    ERROR_CODE.ORIGIN_NOT_ALLOWED,
    `Room "${roomId}" may not be embedded on ${origin.slice(0, 200)}`,
  );
}

/** The `room` of a session or room answer (protocol/schemas/rest.ts `RoomSummary`). */
export function roomSummary(room: Room, settings: RoomSettings): RoomSummary {
  return {
    id: room.id,
    parent: room.parentId,
    kind: settings.kind,
    title: room.title,
    status: room.status,
    welcome: settings.welcome,
    starters: settings.starters,
    handoff: settings.kind === 'support' && settings.handoff,
  };
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
