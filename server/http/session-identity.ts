/**
 * Who asks for a session (docs/architecture.md §6, §8): the admin key's holder, a host-verified
 * user (with the role their identity JWT names), a Supabase Auth user (a member), the participant
 * of a current token, or a new guest.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '../../protocol/room.ts';
import type { SessionRequest } from '../../protocol/schemas/rest.ts';
import { identifiedParticipantId, verifyIdentity, verifyIdentityToken } from '../auth/identity.ts';
import {
  isSupabaseAuthToken,
  SupabaseKeysUnavailableError,
  supabaseParticipantId,
  type SupabaseAuth,
} from '../auth/supabase-auth.ts';
import { TokenError, verifyAccessToken, type AccessGrant } from '../auth/tokens.ts';
import type { Room } from '../store/rooms.ts';
import { ERROR_CODE, HttpError } from './http-error.ts';
import type { RoomStore } from './room-service.ts';

const GUEST_PREFIX = 'guest:';

export interface Requester {
  participantId: string;
  name: string;
  role: Role;
}

export interface IdentityDependencies {
  store: RoomStore;
  jwtSecret: string;
  identitySecret: string | null;
  /** Verifies Supabase Auth access tokens given as `identity`; null refuses them. */
  supabaseAuth: SupabaseAuth | null;
  sessionTtlSeconds: number;
  now: () => number;
}

/** The participant id of sessions opened with the admin key. */
export const ADMIN_PARTICIPANT_ID = 'staff:admin';

/**
 * Who asks for the session: a host-verified user (an identity JWT names their role, the older
 * signature makes a member), a Supabase Auth user (`supabase:<auth id>`, a member, never staff;
 * a guest when signed in anonymously), else the participant of the current token (a refresh keeps
 * id and role), else a new guest. A JWT goes to the Supabase verifier or to the identity secret by
 * its issuer (`isSupabaseAuthToken`), never to both.
 */
export async function identify(
  body: SessionRequest,
  previous: { participantId: string; role: Role } | null,
  deps: IdentityDependencies,
): Promise<Requester> {
  if (!body.identity) {
    return previous
      ? { participantId: previous.participantId, name: body.name, role: previous.role }
      : { participantId: `${GUEST_PREFIX}${randomUUID()}`, name: body.name, role: 'guest' };
  }
  if (
    typeof body.identity === 'string' &&
    isSupabaseAuthToken(body.identity, deps.supabaseAuth?.issuer ?? null)
  ) {
    if (deps.supabaseAuth === null) {
      throw new HttpError(
        401,
        ERROR_CODE.INVALID_IDENTITY,
        'This server does not accept Supabase Auth access tokens (CHORUS_SUPABASE_URL is not set)',
      );
    }
    // An IdentityError is a 401 saying why; keys that cannot be fetched a 503 (logged as a warning).
    const user = await deps.supabaseAuth
      .verify(body.identity, deps.now())
      .catch((error: unknown) => {
        if (!(error instanceof SupabaseKeysUnavailableError)) throw error;
        throw new HttpError(503, error.code, error.message, {
          cause: error.cause,
          headers: { 'Retry-After': '5' },
        });
      });
    return {
      participantId: supabaseParticipantId(user.userId),
      name: user.name ?? body.name,
      role: user.anonymous ? 'guest' : 'member',
    };
  }
  if (deps.identitySecret === null) {
    throw new HttpError(
      401,
      ERROR_CODE.INVALID_IDENTITY,
      'This server does not verify host identities (CHORUS_IDENTITY_SECRET is not set); leave out "identity"',
    );
  }
  if (typeof body.identity === 'string') {
    const verified = verifyIdentityToken(body.identity, deps.identitySecret, deps.now()); // an IdentityError is a 401 saying why
    return {
      participantId: identifiedParticipantId(verified.userId),
      name: verified.name,
      role: verified.role ?? 'member',
    };
  }
  if (!verifyIdentity(body.identity, deps.identitySecret)) {
    throw new HttpError(
      401,
      ERROR_CODE.INVALID_IDENTITY,
      '"identity.signature" is not the HMAC-SHA256 of "identity.userId" with the identity secret',
    );
  }
  return {
    participantId: identifiedParticipantId(body.identity.userId),
    name: body.identity.name ?? body.name,
    role: 'member',
  };
}

/**
 * The participant of a current (or recently expired) room token for `roomId`, or for one of its
 * conversations, else null.
 */
export async function currentParticipant(
  token: string | undefined,
  roomId: string,
  stored: Room | null,
  deps: IdentityDependencies,
): Promise<{ participantId: string; role: Role } | null> {
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
      { cause: error },
    );
  }
  if (grant.kind !== 'room') return null;
  if (grant.roomId === roomId) return { participantId: grant.participantId, role: grant.role };
  if (stored === null || stored.parentId !== null) return null;
  // A visitor's token is for their conversation, a child of the support room they ask for.
  const conversation = await deps.store.rooms.getRoom(grant.roomId);
  return conversation?.parentId === roomId
    ? { participantId: grant.participantId, role: grant.role }
    : null;
}
