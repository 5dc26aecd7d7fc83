/**
 * Host-verified identity (ARCHITECTURE.md §6), as Intercom's and Crisp's identity verification:
 * the host site's backend signs its user's id with a secret it shares with Chorus
 * (`CHORUS_IDENTITY_SECRET`), and the page passes `{ userId, signature }` to the widget. Chorus
 * recomputes the HMAC and compares in constant time; a valid identity keeps the same participant
 * id (`user:<userId>`) across sessions and devices, and is what a room with `guestAccess: false`
 * requires.
 *
 * The signature is the lower-case hex HMAC-SHA256 of the user id, exactly Intercom's scheme:
 *
 * ```js
 * // on the host's server (Node)
 * const signature = crypto.createHmac('sha256', process.env.CHORUS_IDENTITY_SECRET).update(user.id).digest('hex');
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

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
