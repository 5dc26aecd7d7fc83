/**
 * The parser's entry point: a whole message (or the part of it streamed so far) to a
 * `MarkdownDocument`. Pure and DOM-free.
 */
import { MARKDOWN_LIMITS, type MarkdownDocument } from './markdown-ast.ts';
import { parseBlocks } from './parse-blocks.ts';

export interface ParseMarkdownOptions {
  /** The message is still growing: hold back markup that is only half typed at its end. */
  streaming?: boolean;
}

/** A last line holding nothing but markers: `-`, `1.`, `>`, `##`, a fence or a rule being typed. */
const MARKERS_ONLY_LINE = /^[ \t>]*(?:[-+*=#`~_][-+*=#`~_ \t]*|\d{1,9}[.)][ \t]*)?$/;
/** A run of `*`, `_`, `~` or backticks that ends the text and follows a space or tab. */
const TRAILING_OPENER = /([ \t])[*_~`]+$/;

/**
 * While streaming, the end of the text is often half of something: `**` before the bold word,
 * the first backticks of a closing fence, a `-` that will become a list item (or a
 * rule). Showing those for a frame makes the message flicker between layouts, so:
 *
 * - a last line made only of markers is not shown yet;
 * - a run of `*`, `_`, `~` or backticks at the very end that follows whitespace is not shown yet.
 *
 * Everything else half-finished already renders sensibly: an unclosed fence is a code block
 * (CommonMark runs it to the end), an unclosed `**bold` or backtick is literal text.
 */
export function healStreamingEnd(text: string): string {
  const lineStart = text.lastIndexOf('\n') + 1;
  return MARKERS_ONLY_LINE.test(text.slice(lineStart))
    ? text.slice(0, lineStart)
    : text.replace(TRAILING_OPENER, '$1');
}

/**
 * Parses Markdown into blocks. Never throws; an input longer than
 * `MARKDOWN_LIMITS.maxInputLength` is not parsed and comes back as `plain` text.
 *
 * @example
 * parseMarkdown('```ts\nconst a = 1;', { streaming: true }).blocks;
 * // [{ type: 'code-block', language: 'ts', text: 'const a = 1;', closed: false }]
 */
export function parseMarkdown(
  source: string,
  options: ParseMarkdownOptions = {},
): MarkdownDocument {
  if (source.length > MARKDOWN_LIMITS.maxInputLength) return { blocks: [], plain: source };
  let text = source.replace(/\r\n?/g, '\n').replace(/\0/g, '\ufffd');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (options.streaming) text = healStreamingEnd(text);
  return { blocks: parseBlocks(text.split('\n')) };
}
