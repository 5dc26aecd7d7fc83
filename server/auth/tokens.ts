/**
 * Room tokens (docs/architecture.md §6): the short-lived JWT `POST /api/session` hands a browser. The
 * widget uses it as its Realtime access token (the hub and Supabase read `role`, `room`, `sub`)
 * and as the bearer of every REST call. Signed with the server's JWT secret, the one the hub
 * verifies with.
 */
import { ROLES, type Role } from '../../protocol/room.ts';
import { AppError } from '../lib/app-error.ts';
import { JWT_ERROR, JwtError, signJwt, verifyJwt, type VerifiedClaims } from './jwt.ts';

/** The role of a room token (Supabase's role for signed-in users; RLS policies target it). */
export const ROOM_TOKEN_ROLE = 'authenticated';
/** The role of the server's own key: it may act in every room. */
export const SERVICE_TOKEN_ROLE = 'service_role';
export const DEFAULT_SESSION_TTL_SECONDS = 3600;

/** What a verified bearer token grants. */
export type AccessGrant =
  | { kind: 'service' }
  | {
      kind: 'room';
      roomId: string;
      participantId: string;
      name: string;
      /** The `chorus_role` claim (docs/architecture.md §8); tokens without one are guests. */
      role: Role;
      /** Expiry, in seconds since the epoch. */
      expiresAt: number;
    };

/** The claim that carries the participant's role; `role` stays the Postgres role Supabase needs. */
export const ROLE_CLAIM = 'chorus_role';

/** A room token's `chorus_role`; a token without one (or with an unknown one) is a guest's. */
export function roleOf(claims: Record<string, unknown>): Role {
  const claimed = claims[ROLE_CLAIM];
  return ROLES.find((known) => known === claimed) ?? 'guest';
}

/** A bearer token that was refused; always a 401 `unauthorized`, with a message saying why. */
export class TokenError extends AppError {
  /** The token was valid but has expired (as opposed to forged, malformed or of the wrong kind). */
  readonly expired: boolean;

  constructor(message: string, options: { cause?: unknown; expired?: boolean } = {}) {
    super({ name: 'TokenError', code: 'unauthorized', status: 401, message, cause: options.cause });
    this.expired = options.expired ?? false;
  }
}

const GET_ONE = 'get one from POST /api/session';

/**
 * Signs a room token for one participant of one room.
 * @example
 * const { token, expiresAt } = issueRoomToken({ secret, roomId: 'lobby', participantId: 'guest:…', name: 'Ada', role: 'guest', ttlSeconds: 3600 });
 */
export function issueRoomToken(input: {
  secret: string;
  roomId: string;
  participantId: string;
  name: string;
  role: Role;
  ttlSeconds: number;
  nowMs?: number;
}): { token: string; expiresAt: Date } {
  const issuedAt = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const exp = issuedAt + input.ttlSeconds;
  const token = signJwt(
    {
      iss: 'chorus',
      role: ROOM_TOKEN_ROLE,
      sub: input.participantId,
      room: input.roomId,
      name: input.name,
      [ROLE_CLAIM]: input.role,
      iat: issuedAt,
      exp,
    },
    input.secret,
  );
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * Verifies a bearer token: a room token (`role: authenticated` with `room`, `sub`, `name`) or a
 * service-role token. `graceSeconds` accepts a token that expired at most that long ago (a
 * session refresh after a laptop slept). Throws a {@link TokenError} saying what is wrong.
 * @example
 * const grant = verifyAccessToken(bearer, secret);
 * if (grant.kind === 'room' && grant.roomId !== roomId) throw forbidden;
 */
export function verifyAccessToken(
  token: string,
  secret: string,
  options: { nowMs?: number; graceSeconds?: number } = {},
): AccessGrant {
  const nowMs = (options.nowMs ?? Date.now()) - (options.graceSeconds ?? 0) * 1000;
  let claims: VerifiedClaims;
  try {
    claims = verifyJwt(token, secret, nowMs);
  } catch (error) {
    if (error instanceof JwtError && error.kind === JWT_ERROR.EXPIRED)
      throw new TokenError(`The token has expired; ${GET_ONE}`, { cause: error, expired: true });
    throw new TokenError('The bearer token is not a valid Chorus token', { cause: error });
  }
  if (claims.role === SERVICE_TOKEN_ROLE) return { kind: 'service' };
  if (claims.role !== ROOM_TOKEN_ROLE)
    throw new TokenError(`A "${claims.role}" key is not a room token; ${GET_ONE}`);
  const { room, sub, name } = claims;
  if (
    typeof room !== 'string' ||
    typeof sub !== 'string' ||
    sub === '' ||
    typeof name !== 'string'
  ) {
    throw new TokenError(
      `The token is not a room token (it lacks the room, sub or name claim); ${GET_ONE}`,
    );
  }
  return {
    kind: 'room',
    roomId: room,
    participantId: sub,
    name,
    role: roleOf(claims),
    expiresAt: claims.exp,
  };
}
