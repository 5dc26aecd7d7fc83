/**
 * What a person's display name may be (docs/decisions.md, "HTTP API"): the contract checks length
 * by code point and something visible (protocol/display-name.ts); the server adds here that it is
 * never an agent's name in disguise ({@link displayNameKey}).
 */

const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}]/gu;

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
