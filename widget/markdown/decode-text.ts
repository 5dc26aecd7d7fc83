/**
 * Markdown's two ways of writing a character literally: backslash escapes (`\*`) and HTML
 * entities (`&amp;`, `&#42;`, `&#x2A;`). Decoded characters only ever reach the page through Lit
 * text and attribute bindings, so `&lt;script&gt;` becomes the text `<script>`, never markup.
 */

/**
 * The named entities people write in chat (models write the characters themselves); any other
 * name stays as typed. Listed in the pattern too, so a name like `constructor` never reaches the
 * object lookup.
 */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
};

/** A backslash before ASCII punctuation (CommonMark's escapes), or an entity. */
const ESCAPE_OR_ENTITY =
  /\\([!-/:-@[-`{-~])|&(?:#[xX]([\da-fA-F]{1,6})|#(\d{1,7})|(amp|lt|gt|quot|apos|nbsp|copy));/g;

/**
 * Decodes backslash escapes and entities. Numeric entities decode to any code point; those that
 * are invalid or unsafe (0, surrogates, beyond U+10FFFF) become U+FFFD. Used for text and for
 * link destinations, so `jav&#x61;script:` is seen by the URL check as the `javascript:` it is.
 *
 * @example
 * decodeEscapesAndEntities('a\\*b &amp; &#x63;'); // 'a*b & c'
 */
export function decodeEscapesAndEntities(text: string): string {
  return text.replace(
    ESCAPE_OR_ENTITY,
    (_whole, escaped?: string, hex?: string, decimal?: string, name?: string) => {
      if (escaped) return escaped;
      if (name) return NAMED_ENTITIES[name] ?? '';
      const codePoint = hex ? parseInt(hex, 16) : Number(decimal);
      return codePoint > 0 && codePoint < 0x110000 && (codePoint < 0xd800 || codePoint > 0xdfff)
        ? String.fromCodePoint(codePoint)
        : '\ufffd';
    },
  );
}
