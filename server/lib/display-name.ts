/**
 * What a person's display name may be (docs/decisions.md, "HTTP API"): at most
 * {@link MAX_DISPLAY_NAME_LENGTH} characters counted by code point, something visible once
 * zero-width and control characters are set aside, and never an agent's name in disguise.
 */

export const MAX_DISPLAY_NAME_LENGTH = 40;

/** Control characters (C0, DEL, C1) and the bidirectional controls that can disguise a name. */
export const UNSAFE_NAME_CHARACTERS = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * What shows nothing: Unicode's default-ignorable code points (zero-width spaces and joiners,
 * variation selectors, Hangul fillers, soft hyphens…), control characters and white space.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{White_Space}]/gu;
const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}]/gu;

/**
 * The first `maxCodePoints` code points of `text`: never half of a surrogate pair.
 * @example cutToCodePoints('😀😀😀', 2) // '😀😀'
 */
export function cutToCodePoints(text: string, maxCodePoints: number): string {
  if (text.length <= maxCodePoints) return text;
  return Array.from(text).slice(0, Math.max(0, maxCodePoints)).join('');
}

/** True when `name` shows something once invisible characters are removed. */
export function hasVisibleCharacter(name: string): boolean {
  return name.replace(INVISIBLE, '') !== '';
}

/**
 * The form two names are compared in: compatibility-normalised (NFKC: full-width and styled
 * letters become plain ones), invisible characters removed, white space collapsed, a leading `@`
 * dropped (a handle as mentioned) and case folded.
 * @example displayNameKey(' @Ａda\u200b ') === displayNameKey('ADA') // true
 */
export function displayNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .replace(IGNORABLE, '')
    .replace(/\p{White_Space}+/gu, ' ')
    .trim()
    .replace(/^@+/, '')
    .toUpperCase()
    .toLowerCase();
}
