/**
 * Markdown's two ways of writing a character literally: backslash escapes (`\*`) and HTML
 * entities (`&amp;`, `&#42;`, `&#x2A;`). Decoded characters only ever reach the page through Lit
 * text and attribute bindings, so `&lt;script&gt;` becomes the text `<script>`, never markup.
 */

/** The named entities people and models actually write; others stay as typed. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®',
  trade: '™', hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“',
  rdquo: '”', laquo: '«', raquo: '»', times: '×', divide: '÷', middot: '·', bull: '•', deg: '°',
  euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', larr: '←', rarr: '→',
};

/** `&name;`, `&#123;` or `&#x7B;`, matched at one position (sticky). */
const ENTITY = /&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z][a-zA-Z0-9]{1,31}));/y;

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** True for the characters a backslash may escape (CommonMark: ASCII punctuation). */
export function isAsciiPunctuation(character: string | undefined): boolean {
  return character !== undefined && character.length === 1 && ASCII_PUNCTUATION.test(character);
}

/**
 * The entity starting at `index` of `text`, if any: its decoded value and its length in `text`.
 * Code points that are invalid or unsafe (0, surrogates, beyond U+10FFFF) decode to U+FFFD.
 */
export function readEntity(text: string, index: number): { value: string; length: number } | null {
  ENTITY.lastIndex = index;
  const match = ENTITY.exec(text);
  if (!match) return null;
  const [whole, hex, decimal, name] = match;
  if (name !== undefined) {
    const value = NAMED_ENTITIES[name];
    return value === undefined ? null : { value, length: whole.length };
  }
  const codePoint = hex !== undefined ? parseInt(hex, 16) : Number(decimal);
  const valid = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
  return { value: valid ? String.fromCodePoint(codePoint) : '\ufffd', length: whole.length };
}

/**
 * Decodes backslash escapes and entities, as CommonMark does for link destinations: so
 * `jav&#x61;script:` is seen by the URL check as the `javascript:` it really is.
 *
 * @example
 * decodeEscapesAndEntities('a\\*b &amp; c'); // 'a*b & c'
 */
export function decodeEscapesAndEntities(text: string): string {
  if (!text.includes('\\') && !text.includes('&')) return text;
  let decoded = '';
  for (let index = 0; index < text.length; ) {
    const character = text[index] ?? '';
    if (character === '\\' && isAsciiPunctuation(text[index + 1])) {
      decoded += text[index + 1];
      index += 2;
      continue;
    }
    const entity = character === '&' ? readEntity(text, index) : null;
    decoded += entity ? entity.value : character;
    index += entity ? entity.length : 1;
  }
  return decoded;
}
