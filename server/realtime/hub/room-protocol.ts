import type { VerifiedClaims } from '../../auth/jwt.ts';
import { isRecord } from '../../lib/is-record.ts';
import { staffRole } from './policy.ts';

/**
 * What a room member (a non-service token on a private channel) may put on the channel, beyond
 * the policy's "track presence, send only `typing`" (docs/architecture.md §3 presence meta and typing
 * payload; the rules are in docs/decisions.md, "Realtime hub: what members may say"). The hub
 * checks every member presence and typing against these; service-role tokens are not checked.
 */

/** Names in presence and typing are cut to this many code points. */
export const MAX_NAME_CODE_POINTS = 64;
/** A member's presence meta and typing payload, as JSON, after normalisation. */
export const MAX_MEMBER_PAYLOAD_BYTES = 1024;

/**
 * The documented meta fields: `kind`, `id`, `name`, `color`, `avatarUrl`, `status`, and `role`
 * (staff only, set from the token's `chorus_role`, never from what a client tracks). A member may
 * send the first six; any other field is dropped.
 */
const PRESENCE_FIELDS = ['kind', 'id', 'name', 'color', 'avatarUrl', 'status'] as const;
const PRESENCE_STATUSES: ReadonlySet<unknown> = new Set(['idle', 'thinking', 'streaming']);

export const MEMBER_REASON = {
  NO_SUBJECT: 'Presence and typing need a token with a sub claim',
  AGENT_KIND: 'Presence kind must be human: only the server tracks agents',
  META_TOO_BIG: `Presence meta must be at most ${MAX_MEMBER_PAYLOAD_BYTES} bytes`,
  TYPING_TOO_BIG: `Typing payload must be at most ${MAX_MEMBER_PAYLOAD_BYTES} bytes`,
  TYPING_SHAPE: 'Typing payload must be {participantId, name, typing: boolean}',
  TYPING_IMPERSONATION: 'Typing participantId must be your own (the token sub)',
  TYPING_RATE: 'Too many typing events per second',
} as const;

export type MemberCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * `text` cut to at most `max` code points (a surrogate pair is never split), with lone
 * surrogates replaced by U+FFFD so it stays valid Unicode.
 * @example cutName('Ada😀Lovelace', 4) // 'Ada😀'
 */
export function cutName(text: string, max = MAX_NAME_CODE_POINTS): string {
  let result = '';
  let count = 0;
  for (const char of text) {
    if (count === max) break;
    const code = char.codePointAt(0)!;
    result += code >= 0xd800 && code <= 0xdfff ? '\uFFFD' : char;
    count += 1;
  }
  return result;
}

/** The member's participant id: the token's `sub`, or null when the token has none. */
export function memberId(claims: VerifiedClaims): string | null {
  return typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : null;
}

/**
 * The meta a member's track stores: only the documented fields, `id` forced to the token's
 * `sub`, `kind` 'human' (absent is taken as human; anything else is refused), `name` cut,
 * fields of the wrong type dropped, and `role` the token's staff role (`operator`, `admin`) or
 * absent, whatever the client said; refused when still over {@link MAX_MEMBER_PAYLOAD_BYTES}.
 */
export function memberPresence(
  claims: VerifiedClaims,
  state: Record<string, unknown>,
): MemberCheck<Record<string, unknown>> {
  const id = memberId(claims);
  if (id === null) return { ok: false, reason: MEMBER_REASON.NO_SUBJECT };
  if (state.kind !== undefined && state.kind !== 'human')
    return { ok: false, reason: MEMBER_REASON.AGENT_KIND };
  const meta: Record<string, unknown> = {
    kind: 'human',
    id,
    name: typeof state.name === 'string' ? cutName(state.name) : '',
  };
  for (const field of PRESENCE_FIELDS) {
    const value = state[field];
    if (field === 'color' || field === 'avatarUrl') {
      if (typeof value === 'string') meta[field] = value;
    } else if (field === 'status' && PRESENCE_STATUSES.has(value)) {
      meta.status = value;
    }
  }
  const role = staffRole(claims);
  if (role !== undefined) meta.role = role;
  if (Buffer.byteLength(JSON.stringify(meta)) > MAX_MEMBER_PAYLOAD_BYTES)
    return { ok: false, reason: MEMBER_REASON.META_TOO_BIG };
  return { ok: true, value: meta };
}

/**
 * The `typing` payload a member's broadcast carries to the room: `{participantId, name, typing}`
 * with `participantId` the token's `sub` (another participant's id is refused; absent, it is
 * filled in), `name` cut (absent: the token's `name`), `typing` a boolean; other fields dropped.
 * `size` is the payload's size as sent, refused over {@link MAX_MEMBER_PAYLOAD_BYTES} before
 * anything else is looked at.
 */
export function memberTyping(
  claims: VerifiedClaims,
  payload: unknown,
  size: number,
): MemberCheck<{ participantId: string; name: string; typing: boolean }> {
  if (size > MAX_MEMBER_PAYLOAD_BYTES) return { ok: false, reason: MEMBER_REASON.TYPING_TOO_BIG };
  const id = memberId(claims);
  if (id === null) return { ok: false, reason: MEMBER_REASON.NO_SUBJECT };
  if (!isRecord(payload) || typeof payload.typing !== 'boolean')
    return { ok: false, reason: MEMBER_REASON.TYPING_SHAPE };
  if (payload.participantId !== undefined && payload.participantId !== id)
    return { ok: false, reason: MEMBER_REASON.TYPING_IMPERSONATION };
  const name =
    typeof payload.name === 'string'
      ? payload.name
      : typeof claims.name === 'string'
        ? claims.name
        : '';
  return { ok: true, value: { participantId: id, name: cutName(name), typing: payload.typing } };
}
