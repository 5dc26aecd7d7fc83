/**
 * Host-verified identity (docs/architecture.md §6), as Intercom's and Crisp's identity verification:
 * the host site's backend vouches for its user with a secret it shares with Chorus
 * (`CHORUS_IDENTITY_SECRET`). A valid identity keeps the same participant id (`user:<userId>`)
 * across sessions and devices, and is what a room with `guestAccess: false` requires. Two forms:
 *
 * - **An identity JWT** (preferred): HS256, claims `sub` (the user id), `name`, optional `role`
 *   (`member`, `operator` or `admin`) and `exp`, at most 24 h ahead, so a leaked token stops
 *   working. The page passes the JWT string as `identity`.
 * - **`{ userId, signature }`** (kept for compatibility): the lower-case hex HMAC-SHA256 of the
 *   user id, exactly Intercom's scheme. It never expires: a signature is a permanent credential.
 *
 * ```js
 * // on the host's server (Node)
 * const identity = jwt.sign({ sub: user.id, name: user.name, exp: Math.floor(Date.now() / 1000) + 3600 }, process.env.CHORUS_IDENTITY_SECRET, { algorithm: 'HS256' });
 * const signature = crypto.createHmac('sha256', process.env.CHORUS_IDENTITY_SECRET).update(user.id).digest('hex');
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  hasVisibleCharacter,
  MAX_DISPLAY_NAME_LENGTH,
  UNSAFE_NAME_CHARACTERS,
} from '../../protocol/display-name.ts';
import { cutToCodePoints } from '../../protocol/text.ts';
import { AppError } from '../lib/app-error.ts';
import { JWT_ERROR, JwtError, verifySignedJwt } from './jwt.ts';

export interface HostIdentity {
  userId: string;
  /** Hex HMAC-SHA256 of `userId` with the identity secret. */
  signature: string;
}

/** The participant id of a verified host user (stable across sessions). */
export function identifiedParticipantId(userId: string): string {
  return `user:${userId}`;
}

/**
 * Signs a user id as a host site does (hex HMAC-SHA256).
 * @example signIdentity('user-42', secret) // 'a3f…' (64 hex characters)
 */
export function signIdentity(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

/**
 * True when `identity.signature` is the HMAC of `identity.userId` with `secret`; compared in
 * constant time, so timing reveals nothing about the expected signature.
 * @example if (!verifyIdentity({ userId, signature }, secret)) throw new HttpError(401, 'invalid_identity', '…');
 */
export function verifyIdentity(identity: HostIdentity, secret: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(identity.signature)) return false;
  const expected = createHmac('sha256', secret).update(identity.userId, 'utf8').digest();
  const actual = Buffer.from(identity.signature, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Roles an identity JWT may name (docs/architecture.md §8). They grant nothing more yet. */
export const IDENTITY_ROLES = ['member', 'operator', 'admin'] as const;
export type IdentityRole = (typeof IDENTITY_ROLES)[number];

/** The longest an identity JWT may be valid for, from now. */
export const MAX_IDENTITY_LIFETIME_SECONDS = 24 * 3600;
/** Clock difference tolerated between the host's server and this one, on `exp` and `nbf`. */
const CLOCK_SKEW_SECONDS = 60;
const MAX_USER_ID_LENGTH = 128;

/** Why an identity JWT was refused: always a 401, with one of these codes. */
export const IDENTITY_ERROR = {
  INVALID: 'invalid_identity',
  EXPIRED: 'identity_expired',
  EXPIRY_TOO_FAR: 'identity_expiry_too_far',
  ALGORITHM: 'identity_algorithm_not_allowed',
} as const;
export type IdentityErrorCode = (typeof IDENTITY_ERROR)[keyof typeof IDENTITY_ERROR];

export class IdentityError extends AppError {
  constructor(code: IdentityErrorCode, message: string, cause?: unknown) {
    super({ name: 'IdentityError', code, message, status: 401, cause });
  }
}

/** The user an identity JWT vouches for. */
export interface VerifiedIdentity {
  userId: string;
  name: string;
  /** As the host claimed it; grants nothing more than `member` yet. */
  role?: IdentityRole;
}

/**
 * Verifies an identity JWT: HS256 with `secret`, `exp` in the future and at most 24 h ahead,
 * `nbf` (when set) passed, `sub` a user id, `name` a display name (cut to 40 characters by code
 * point), `role` (when set) one of {@link IDENTITY_ROLES}. Throws an {@link IdentityError}.
 * @example const { userId, name } = verifyIdentityToken(body.identity, secret);
 */
export function verifyIdentityToken(
  token: string,
  secret: string,
  nowMs = Date.now(),
): VerifiedIdentity {
  let claims: Record<string, unknown>;
  try {
    claims = verifySignedJwt(token, secret, { algorithms: ['HS256'] }).claims;
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    if (error.kind === JWT_ERROR.ALGORITHM) {
      throw new IdentityError(
        IDENTITY_ERROR.ALGORITHM,
        'The identity token must be signed with HS256 and CHORUS_IDENTITY_SECRET (its "alg" is another one)',
        error,
      );
    }
    if (error.kind === JWT_ERROR.SIGNATURE) {
      throw new IdentityError(
        IDENTITY_ERROR.INVALID,
        'The identity token is not signed with the identity secret (CHORUS_IDENTITY_SECRET)',
        error,
      );
    }
    throw new IdentityError(IDENTITY_ERROR.INVALID, '"identity" is not a valid JWT', error);
  }
  const nowSeconds = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw new IdentityError(
      IDENTITY_ERROR.INVALID,
      'The identity token needs an "exp" claim (seconds since the epoch, at most 24 hours ahead)',
    );
  }
  if (claims.exp <= nowSeconds) {
    throw new IdentityError(
      IDENTITY_ERROR.EXPIRED,
      `The identity token expired ${nowSeconds - claims.exp} seconds ago; the host site must sign a new one`,
    );
  }
  if (claims.exp > nowSeconds + MAX_IDENTITY_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new IdentityError(
      IDENTITY_ERROR.EXPIRY_TOO_FAR,
      'The identity token\'s "exp" is more than 24 hours ahead; sign identity tokens for at most 24 hours',
    );
  }
  if (
    claims.nbf !== undefined &&
    (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds + CLOCK_SKEW_SECONDS)
  ) {
    throw new IdentityError(IDENTITY_ERROR.INVALID, 'The identity token is not valid yet ("nbf")');
  }
  const { sub, name, role } = claims;
  if (
    typeof sub !== 'string' ||
    sub === '' ||
    sub.length > MAX_USER_ID_LENGTH ||
    UNSAFE_NAME_CHARACTERS.test(sub)
  ) {
    throw new IdentityError(
      IDENTITY_ERROR.INVALID,
      `The identity token's "sub" must be the user id: 1–${MAX_USER_ID_LENGTH} characters, no control characters`,
    );
  }
  const shownName =
    typeof name === 'string'
      ? cutToCodePoints(name.normalize('NFC').trim(), MAX_DISPLAY_NAME_LENGTH).trim()
      : '';
  if (!hasVisibleCharacter(shownName) || UNSAFE_NAME_CHARACTERS.test(shownName)) {
    throw new IdentityError(
      IDENTITY_ERROR.INVALID,
      'The identity token\'s "name" must be the user\'s display name: visible text, no control characters',
    );
  }
  if (role !== undefined && !IDENTITY_ROLES.includes(role as IdentityRole)) {
    throw new IdentityError(
      IDENTITY_ERROR.INVALID,
      `The identity token's "role" must be one of ${IDENTITY_ROLES.join(', ')}`,
    );
  }
  return {
    userId: sub,
    name: shownName,
    ...(role === undefined ? {} : { role: role as IdentityRole }),
  };
}
