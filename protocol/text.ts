/**
 * Cutting text people and models wrote without breaking a character: a cut by UTF-16 code unit
 * can leave half of a surrogate pair (an emoji, most CJK extensions), which Postgres refuses in
 * `jsonb` and browsers show as �. Every length limit on user or model text goes through here.
 */

/** `text` with any lone surrogate replaced by U+FFFD, so it is valid Unicode (and valid JSON for Postgres). */
export function wellFormed(text: string): string {
  return text.replace(SURROGATES, (match) => (match.length === 2 ? match : '\uFFFD'));
}

/** A surrogate pair, or a surrogate alone (what {@link wellFormed} replaces). */
const SURROGATES = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g;

/**
 * The first `maxCodeUnits` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair.
 * @example
 * cutText('ab😀', 3); // 'ab'
 */
export function cutText(text: string, maxCodeUnits: number): string {
  if (text.length <= maxCodeUnits) return text;
  if (maxCodeUnits <= 0) return '';
  const last = text.charCodeAt(maxCodeUnits - 1);
  const splitsPair = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, splitsPair ? maxCodeUnits - 1 : maxCodeUnits);
}

/**
 * `text` cut to at most `maxCodeUnits` units, with `…` in place of what was dropped.
 * @example
 * shortenText('Hello there', 6); // 'Hello…'
 */
export function shortenText(text: string, maxCodeUnits: number): string {
  if (text.length <= maxCodeUnits) return text;
  return `${cutText(text, maxCodeUnits - 1).trimEnd()}…`;
}

/**
 * The first `maxCodePoints` code points of `text`: never half of a surrogate pair.
 * @example cutToCodePoints('😀😀😀', 2) // '😀😀'
 */
export function cutToCodePoints(text: string, maxCodePoints: number): string {
  if (text.length <= maxCodePoints) return text;
  return Array.from(text).slice(0, Math.max(0, maxCodePoints)).join('');
}
