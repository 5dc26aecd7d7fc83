/**
 * What a person's display name may be (docs/decisions.md, "HTTP API"): the rules the contract
 * checks (protocol/display-name.ts: length by code point, something visible), and here what the
 * server adds: never an agent's name in disguise ({@link displayNameKey}).
 */
export { hasVisibleCharacter, MAX_DISPLAY_NAME_LENGTH, UNSAFE_NAME_CHARACTERS } from '../../protocol/display-name.ts';

const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}]/gu;

/**
 * The first `maxCodePoints` code points of `text`: never half of a surrogate pair.
 * @example cutToCodePoints('😀😀😀', 2) // '😀😀'
 */
export function cutToCodePoints(text: string, maxCodePoints: number): string {
  if (text.length <= maxCodePoints) return text;
  return Array.from(text).slice(0, Math.max(0, maxCodePoints)).join('');
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
