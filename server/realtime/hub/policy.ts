import type { VerifiedClaims } from '../../auth/jwt.ts';

/**
 * Private-channel authorization of docs/architecture.md §6, evaluated from the JWT claims.
 * On Supabase the same rules are RLS policies on `realtime.messages`.
 *
 * - `service_role` may do everything (it bypasses RLS on Supabase).
 * - Any other role may join only `room:<id>` where `id` is its `room` claim; there it receives
 *   broadcasts, sees and tracks presence, and sends only the `typing` event.
 * Public channels are open to every valid token, as on Supabase.
 */
export const SERVICE_ROLE = 'service_role';
export const CLIENT_BROADCAST_EVENTS: ReadonlySet<string> = new Set(['typing']);

export interface ChannelAccess {
  read: boolean;
  track: boolean;
  /** True when the token may send every event; otherwise only {@link CLIENT_BROADCAST_EVENTS}. */
  sendAny: boolean;
}

export function isServiceRole(claims: VerifiedClaims): boolean {
  return claims.role === SERVICE_ROLE;
}

/** What a token may do on a channel named `subTopic` (the topic without `realtime:`). */
export function channelAccess(
  claims: VerifiedClaims,
  subTopic: string,
  isPrivate: boolean,
): ChannelAccess {
  if (!isPrivate || isServiceRole(claims)) return { read: true, track: true, sendAny: true };
  const inOwnRoom = typeof claims.room === 'string' && subTopic === `room:${claims.room}`;
  return { read: inOwnRoom, track: inOwnRoom, sendAny: false };
}

/** Whether a broadcast of `event` is allowed with `access`. */
export function maySend(access: ChannelAccess, event: string): boolean {
  return access.sendAny || (access.read && CLIENT_BROADCAST_EVENTS.has(event));
}
