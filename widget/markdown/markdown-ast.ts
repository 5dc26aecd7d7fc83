/**
 * The small syntax tree that `parseMarkdown` produces and `renderMarkdown` turns into Lit
 * templates. It is plain data (no DOM, no Lit), so the parser is unit-tested in node.
 *
 * URLs are kept exactly as written (after Markdown escapes and entities are decoded): deciding
 * whether a link or image may be rendered is the renderer's job (`sanitizeUrl`).
 */

/** Column alignment of a GFM table, from the colons of its delimiter row. */
export type TableAlignment = 'left' | 'center' | 'right' | null;

/** Inline content: what a paragraph, heading or table cell contains. */
export type InlineNode =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'break' }
  | { type: 'emphasis' | 'strong' | 'strikethrough'; children: InlineNode[] }
  | { type: 'link'; href: string; children: InlineNode[] }
  | { type: 'image'; src: string; alt: string };

/** Block content: what a message, a blockquote or a list item contains. */
export type BlockNode =
  | { type: 'paragraph'; children: InlineNode[] }
  | { type: 'heading'; level: HeadingLevel; children: InlineNode[] }
  /** `closed` is false for a fence that was never closed (e.g. a message still streaming). */
  | { type: 'code-block'; language: string; text: string; closed: boolean }
  | { type: 'blockquote'; children: BlockNode[] }
  /** `tasks`, when some item is a GFM task (`- [x] done`): per item, checked, unchecked or null (not a task). */
  | {
      type: 'list';
      ordered: boolean;
      start: number;
      items: BlockNode[][];
      tasks?: (boolean | null)[];
    }
  | { type: 'table'; alignments: TableAlignment[]; head: InlineNode[][]; rows: InlineNode[][][] }
  | { type: 'rule' };

export type HeadingLevel = 1 | 2 | 3 | 4 | 5 | 6;

/** A parsed message. `plain` is set when the input was too long to parse and is shown as text. */
export interface MarkdownDocument {
  blocks: BlockNode[];
  plain?: string;
}

/** Limits that keep parsing linear-ish on hostile input. */
export const MARKDOWN_LIMITS = {
  /** Longer inputs are not parsed at all: they render as plain text. */
  maxInputLength: 100_000,
  /** Blockquotes and lists nested deeper than this are read as paragraphs. */
  maxBlockDepth: 12,
  /** Emphasis and links nested deeper than this are read as plain text. */
  maxInlineDepth: 12,
  /** A link destination plus title longer than this is not a link (bounds the look-ahead). */
  maxLinkTailLength: 2_048,
} as const;
