/**
 * Cutting text people and models wrote without breaking a character: a cut by UTF-16 code unit
 * can leave half of a surrogate pair (an emoji, most CJK extensions), which browsers show as �
 * and screen readers spell out. Every cut of user or model text in the widget goes through here.
 */

/**
 * The first `maxCodeUnits` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair.
 * @example cutText('ab😀', 3) // 'ab'
 */
export function cutText(text: string, maxCodeUnits: number): string {
  if (text.length <= maxCodeUnits) return text;
  const last = text.charCodeAt(maxCodeUnits - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxCodeUnits - 1 : Math.max(0, maxCodeUnits));
}

/**
 * `text` cut to at most `maxCodeUnits` units, with `…` in place of what was dropped.
 * @example shortenText('Hello 😀 world', 8) // 'Hello…'
 */
export function shortenText(text: string, maxCodeUnits: number): string {
  return text.length > maxCodeUnits ? `${cutText(text, maxCodeUnits - 1).trimEnd()}…` : text;
}
