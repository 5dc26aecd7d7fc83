/**
 * What a person's display name may be (docs/decisions.md, "HTTP API"): at most
 * {@link MAX_DISPLAY_NAME_LENGTH} characters counted by code point, nothing that disguises it, and
 * something visible once zero-width and control characters are set aside. Part of the contract:
 * `POST /api/session` checks a name with these rules (protocol/schemas/rest.ts).
 */

export const MAX_DISPLAY_NAME_LENGTH = 40;

/** Control characters (C0, DEL, C1) and the bidirectional controls that can disguise a name. */
export const UNSAFE_NAME_CHARACTERS = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * What shows nothing: Unicode's default-ignorable code points (zero-width spaces and joiners,
 * variation selectors, Hangul fillers, soft hyphens…), control characters and white space.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{White_Space}]/gu;

/** True when `name` shows something once invisible characters are removed. */
export function hasVisibleCharacter(name: string): boolean {
  return name.replace(INVISIBLE, '') !== '';
}
