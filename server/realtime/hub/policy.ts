import { isStaffRole, type StaffRole } from '../../../protocol/room.ts';
import type { VerifiedClaims } from '../../auth/jwt.ts';
import { roleOf } from '../../auth/tokens.ts';

/**
 * Private-channel authorization of docs/architecture.md §6 and §8, evaluated from the JWT claims
 * (`room`, `chorus_role`). On Supabase the same rules are RLS policies on `realtime.messages`
 * (supabase/migrations/20261202100100_add_conversation_policies.sql).
 *
 * - `service_role` may do everything (it bypasses RLS on Supabase).
 * - `room:<X>`: any role whose `room` claim is X; an `admin`; an `operator` when X is a
 *   conversation whose parent is its `room` claim (the hub cannot see the database: the
 *   parent comes from {@link ParentLookup}). There it receives broadcasts, sees and tracks
 *   presence, and sends only the `typing` event.
 * - `inbox:<R>`: staff of R only (an `operator` whose `room` claim is R, or an `admin`), read
 *   only: no presence track, no broadcast at all.
 * Public channels are open to every valid token, as on Supabase.
 */
export const SERVICE_ROLE = 'service_role';
export const CLIENT_BROADCAST_EVENTS: ReadonlySet<string> = new Set(['typing']);

const ROOM_PREFIX = 'room:';
const INBOX_PREFIX = 'inbox:';

/** The parent (support room) of conversation `roomId`, or null when it is no conversation. */
export type ParentLookup = (roomId: string) => Promise<string | null>;

export interface ChannelAccess {
  read: boolean;
  track: boolean;
  /** True when the token may send every event; otherwise only {@link CLIENT_BROADCAST_EVENTS}. */
  sendAny: boolean;
  /** True when the token may send the {@link CLIENT_BROADCAST_EVENTS} (false on `inbox:`). */
  sendTyping: boolean;
}

const NOTHING: ChannelAccess = { read: false, track: false, sendAny: false, sendTyping: false };
const EVERYTHING: ChannelAccess = { read: true, track: true, sendAny: true, sendTyping: true };
const MEMBER: ChannelAccess = { read: true, track: true, sendAny: false, sendTyping: true };
const READ_ONLY: ChannelAccess = { read: true, track: false, sendAny: false, sendTyping: false };

export function isServiceRole(claims: VerifiedClaims): boolean {
  return claims.role === SERVICE_ROLE;
}

/** The token's staff role, or undefined for guests and members. */
export function staffRole(claims: VerifiedClaims): StaffRole | undefined {
  const role = roleOf(claims);
  return isStaffRole(role) ? role : undefined;
}

/**
 * The room whose parent must be looked up before {@link channelAccess} can answer for
 * `subTopic`: set only for an operator on another room's private `room:` channel.
 */
export function parentToLookUp(
  claims: VerifiedClaims,
  subTopic: string,
  isPrivate: boolean,
): string | null {
  if (!isPrivate || isServiceRole(claims) || roleOf(claims) !== 'operator') return null;
  if (!subTopic.startsWith(ROOM_PREFIX) || typeof claims.room !== 'string') return null;
  const roomId = subTopic.slice(ROOM_PREFIX.length);
  return roomId === '' || roomId === claims.room ? null : roomId;
}

/**
 * What a token may do on a channel named `subTopic` (the topic without `realtime:`). `parent` is
 * what {@link ParentLookup} said of the channel's room when {@link parentToLookUp} asked for it.
 */
export function channelAccess(
  claims: VerifiedClaims,
  subTopic: string,
  isPrivate: boolean,
  parent: string | null = null,
): ChannelAccess {
  if (!isPrivate || isServiceRole(claims)) return EVERYTHING;
  const role = roleOf(claims);
  const ownRoom = typeof claims.room === 'string' && claims.room !== '' ? claims.room : null;
  if (subTopic.startsWith(ROOM_PREFIX)) {
    const roomId = subTopic.slice(ROOM_PREFIX.length);
    const allowed =
      (ownRoom !== null && roomId === ownRoom) ||
      (role === 'admin' && roomId !== '') ||
      (role === 'operator' && ownRoom !== null && parent === ownRoom);
    return allowed ? MEMBER : NOTHING;
  }
  if (subTopic.startsWith(INBOX_PREFIX)) {
    const roomId = subTopic.slice(INBOX_PREFIX.length);
    const allowed =
      (role === 'admin' && roomId !== '') ||
      (role === 'operator' && ownRoom !== null && roomId === ownRoom);
    return allowed ? READ_ONLY : NOTHING;
  }
  return NOTHING;
}

/**
 * {@link channelAccess} with the parent looked up when it is needed (an operator on another
 * room). Without a `lookup`, or when it fails, operators reach only their own room.
 */
export async function lookUpChannelAccess(
  claims: VerifiedClaims,
  subTopic: string,
  isPrivate: boolean,
  lookup: ParentLookup | undefined,
): Promise<ChannelAccess> {
  const roomId = parentToLookUp(claims, subTopic, isPrivate);
  const parent = roomId !== null && lookup ? await lookup(roomId).catch(() => null) : null;
  return channelAccess(claims, subTopic, isPrivate, parent);
}

/** Whether a REST broadcast of `event` on `subTopic` is allowed (the parent looked up if needed). */
export async function mayPublish(
  claims: VerifiedClaims,
  subTopic: string,
  isPrivate: boolean,
  event: string,
  lookup: ParentLookup | undefined,
): Promise<boolean> {
  return maySend(await lookUpChannelAccess(claims, subTopic, isPrivate, lookup), event);
}

/** Whether a broadcast of `event` is allowed with `access`. */
export function maySend(access: ChannelAccess, event: string): boolean {
  return access.sendAny || (access.read && access.sendTyping && CLIENT_BROADCAST_EVENTS.has(event));
}
