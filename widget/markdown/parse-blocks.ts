/**
 * Block Markdown: lines become paragraphs, headings, code blocks, blockquotes, lists, tables and
 * rules. Containers (blockquotes, list items) collect their lines, strip their markers and are
 * parsed again one level deeper; past `maxBlockDepth` their markers are read as plain text, so
 * 10,000 nested `>` cost no more than a few passes over the input.
 *
 * Follows CommonMark and GFM closely enough for chat, with two deliberate differences: table
 * rows must contain a `|` (a sentence right after a table is not swallowed into it), and list
 * looseness is approximated.
 */
import { MARKDOWN_LIMITS } from './markdown-ast.ts';
import type { BlockNode, HeadingLevel, InlineNode, TableAlignment } from './markdown-ast.ts';
import { parseInline } from './parse-inline.ts';

interface Parsed {
  block: BlockNode;
  /** Index of the first line after the block. */
  next: number;
}

interface ListMarker {
  ordered: boolean;
  start: number;
  /** `-`, `+` or `*` for bullets, `.` or `)` for ordered lists: items must agree to be siblings. */
  delimiter: string;
  /** Columns a continuation line must be indented by to belong to the item. */
  contentIndent: number;
  /** The first line's content, after the marker. */
  content: string;
}

const FENCE = /^(`{3,}|~{3,})(.*)$/;
const CLOSING_FENCE = /^(`{3,}|~{3,})[ \t]*$/;
const ATX_HEADING = /^(#{1,6})(?:[ \t]|$)/;
const THEMATIC_BREAK = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const SETEXT_UNDERLINE = /^(?:=+|-+)$/;
const LIST_MARKER = /^(?:[-+*]|(\d{1,9})[.)])(?=[ \t]|$)/;
const TABLE_DELIMITER_CELL = /^:?-+:?$/;
const MAX_TABLE_COLUMNS = 64;

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

/** Columns of leading whitespace (a tab advances to the next multiple of 4). */
function indentOf(line: string): number {
  let columns = 0;
  for (const character of line) {
    if (character === ' ') columns++;
    else if (character === '\t') columns += 4 - (columns % 4);
    else break;
  }
  return columns;
}

/** Removes up to `columns` columns of leading whitespace, splitting a tab if needed. */
function stripIndent(line: string, columns: number): string {
  let removed = 0;
  let index = 0;
  while (removed < columns && index < line.length) {
    const character = line[index];
    const width = character === ' ' ? 1 : character === '\t' ? 4 - (removed % 4) : 0;
    if (width === 0) break;
    if (removed + width > columns) return ' '.repeat(removed + width - columns) + line.slice(index + 1);
    removed += width;
    index++;
  }
  return line.slice(index);
}

function withoutIndent(line: string): string {
  return line.replace(/^[ \t]+/, '');
}

function matchFence(line: string): { marker: string; language: string } | null {
  if (indentOf(line) >= 4) return null;
  const [, marker = '', info = ''] = FENCE.exec(withoutIndent(line)) ?? [];
  if (!marker || (marker.startsWith('`') && info.includes('`'))) return null;
  return { marker, language: info.trim().split(/\s/, 1)[0] ?? '' };
}

function isClosingFence(line: string, marker: string): boolean {
  const [, closing = ''] = (indentOf(line) < 4 && CLOSING_FENCE.exec(withoutIndent(line))) || [];
  return closing.startsWith(marker.charAt(0)) && closing.length >= marker.length;
}

/** The fence marker still open after `line`, given the one open before it (null: none). */
function fenceAfter(open: string | null, line: string): string | null {
  if (open !== null) return isClosingFence(line, open) ? null : open;
  return matchFence(line)?.marker ?? null;
}

function isThematicBreak(line: string): boolean {
  return indentOf(line) < 4 && THEMATIC_BREAK.test(withoutIndent(line));
}

function matchListItem(line: string): ListMarker | null {
  const indent = indentOf(line);
  if (indent >= 4) return null;
  const text = withoutIndent(line);
  const match = LIST_MARKER.exec(text);
  if (!match) return null;
  const [marker, number] = match;
  const rest = text.slice(marker.length);
  const spaces = indentOf(rest);
  const content = withoutIndent(rest);
  // One space is the content indent when the item starts blank or with indented code.
  const padding = content === '' || spaces > 4 ? 1 : spaces;
  return {
    ordered: number !== undefined,
    start: number === undefined ? 1 : Number(number),
    delimiter: marker.slice(-1),
    contentIndent: indent + marker.length + padding,
    content: content === '' ? '' : ' '.repeat(spaces - padding) + content,
  };
}

/** Whether `line` ends a paragraph (CommonMark: only some list items may interrupt one). */
function interruptsParagraph(line: string, depth: number): boolean {
  if (indentOf(line) >= 4) return false;
  const text = withoutIndent(line);
  if (matchFence(line) || ATX_HEADING.test(text) || isThematicBreak(line)) return true;
  if (depth >= MARKDOWN_LIMITS.maxBlockDepth) return false;
  if (text.startsWith('>')) return true;
  const item = matchListItem(line);
  return item !== null && item.content !== '' && (!item.ordered || item.start === 1);
}

/** Cells of a table row; `\|` is a literal pipe. */
function splitTableRow(line: string): string[] {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '\\' && text[index + 1] === '|') {
      cell += '|';
      index++;
    } else if (character === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += character;
  }
  cells.push(cell.trim());
  return cells;
}

/** A GFM table starting at `index`: a header row, then a delimiter row with as many cells. */
function matchTableStart(lines: readonly string[], index: number): { alignments: TableAlignment[]; head: string[] } | null {
  const header = lines[index] ?? '';
  const delimiter = lines[index + 1] ?? '';
  if (!header.includes('|') || !delimiter.includes('|') || !/^[ \t]*\|?[ \t]*:?-/.test(delimiter)) return null;
  if (indentOf(header) >= 4 || indentOf(delimiter) >= 4) return null;
  const delimiterCells = splitTableRow(delimiter);
  if (delimiterCells.length > MAX_TABLE_COLUMNS || !delimiterCells.every((cell) => TABLE_DELIMITER_CELL.test(cell))) return null;
  const head = splitTableRow(header);
  if (head.length !== delimiterCells.length) return null;
  const alignments = delimiterCells.map((cell): TableAlignment => {
    const left = cell.startsWith(':');
    const right = cell.endsWith(':');
    return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
  });
  return { alignments, head };
}

function parseTable(lines: readonly string[], index: number, start: { alignments: TableAlignment[]; head: string[] }): Parsed {
  const columns = start.alignments.length;
  const toCells = (cells: string[]): InlineNode[][] =>
    Array.from({ length: columns }, (_, column) => parseInline(cells[column] ?? ''));
  const rows: InlineNode[][][] = [];
  let next = index + 2;
  for (; next < lines.length; next++) {
    const line = lines[next] ?? '';
    if (isBlank(line) || !line.includes('|') || interruptsParagraph(line, 0)) break;
    rows.push(toCells(splitTableRow(line)));
  }
  return { block: { type: 'table', alignments: start.alignments, head: toCells(start.head), rows }, next };
}

function parseHeading(line: string): BlockNode | null {
  const text = withoutIndent(line);
  const [, hashes] = (indentOf(line) < 4 && ATX_HEADING.exec(text)) || [];
  if (!hashes) return null;
  let content = text.slice(hashes.length).trim();
  // An optional closing sequence: `## Title ##`.
  let end = content.length;
  while (end > 0 && content[end - 1] === '#') end--;
  if (end === 0) content = '';
  else if (end < content.length && /[ \t]/.test(content[end - 1] ?? '')) content = content.slice(0, end).trimEnd();
  return { type: 'heading', level: hashes.length as HeadingLevel, children: parseInline(content) };
}

function parseFence(lines: readonly string[], index: number, fence: { marker: string; language: string }): Parsed {
  const indent = indentOf(lines[index] ?? '');
  const content: string[] = [];
  let next = index + 1;
  let closed = false;
  for (; next < lines.length && !closed; next++) {
    const line = lines[next] ?? '';
    closed = isClosingFence(line, fence.marker);
    if (!closed) content.push(stripIndent(line, indent));
  }
  // A fence still open at the end (a streaming message): trailing blank lines are not code yet.
  while (!closed && content.length > 0 && isBlank(content[content.length - 1] ?? '')) content.pop();
  return { block: { type: 'code-block', language: fence.language, text: content.join('\n'), closed }, next };
}

function parseIndentedCode(lines: readonly string[], index: number): Parsed {
  const content: string[] = [];
  let next = index;
  for (; next < lines.length; next++) {
    const line = lines[next] ?? '';
    if (!isBlank(line) && indentOf(line) < 4) break;
    content.push(stripIndent(line, 4));
  }
  while (content.length > 0 && isBlank(content[content.length - 1] ?? '')) content.pop();
  return { block: { type: 'code-block', language: '', text: content.join('\n'), closed: true }, next };
}

function parseBlockquote(lines: readonly string[], index: number, depth: number): Parsed {
  const quoted: string[] = [];
  let fence: string | null = null;
  let next = index;
  for (; next < lines.length; next++) {
    const line = lines[next] ?? '';
    const text = withoutIndent(line);
    if (indentOf(line) < 4 && text.startsWith('>')) {
      const inner = text.slice(1).replace(/^[ \t]/, '');
      quoted.push(inner);
      fence = fenceAfter(fence, inner);
      continue;
    }
    // Lazy continuation: an unmarked line continues a quoted paragraph.
    const previous = quoted[quoted.length - 1] ?? '';
    if (isBlank(line) || isBlank(previous) || fence !== null || interruptsParagraph(line, depth)) break;
    quoted.push(text);
  }
  return { block: { type: 'blockquote', children: parseBlocks(quoted, depth + 1) }, next };
}

/** Whether an item's lines hold two of its own blocks separated by a blank line (a loose list). */
function hasBlankBetweenBlocks(itemLines: readonly string[]): boolean {
  return itemLines.some((line, index) => {
    const following = itemLines[index + 1];
    return index > 0 && isBlank(line) && following !== undefined && !isBlank(following) && indentOf(following) === 0 && !matchListItem(following);
  });
}

function parseList(lines: readonly string[], index: number, first: ListMarker, depth: number): Parsed {
  const items: BlockNode[][] = [];
  let tight = true;
  let next = index;
  const isSibling = (marker: ListMarker | null): marker is ListMarker =>
    marker !== null && marker.ordered === first.ordered && marker.delimiter === first.delimiter;
  let marker: ListMarker | null = first;
  while (isSibling(marker)) {
    const itemLines = [marker.content];
    let fence = fenceAfter(null, marker.content);
    for (next++; next < lines.length; next++) {
      const line = lines[next] ?? '';
      if (isBlank(line)) {
        itemLines.push('');
      } else if (indentOf(line) >= marker.contentIndent) {
        const inner = stripIndent(line, marker.contentIndent);
        itemLines.push(inner);
        fence = fenceAfter(fence, inner);
      } else if (
        // Lazy continuation of the item's paragraph.
        !isBlank(itemLines[itemLines.length - 1] ?? '') &&
        fence === null &&
        !matchListItem(line) &&
        !interruptsParagraph(line, depth)
      ) {
        itemLines.push(withoutIndent(line));
      } else break;
    }
    let trailingBlanks = 0;
    while (itemLines.length > 1 && isBlank(itemLines[itemLines.length - 1] ?? '')) {
      itemLines.pop();
      trailingBlanks++;
    }
    const blocks = parseBlocks(itemLines, depth + 1);
    items.push(blocks);
    if (blocks.length > 1 && hasBlankBetweenBlocks(itemLines)) tight = false;

    const following = lines[next];
    marker = following === undefined || isThematicBreak(following) ? null : matchListItem(following);
    if (isSibling(marker) && trailingBlanks > 0) tight = false;
  }
  return { block: { type: 'list', ordered: first.ordered, start: first.start, tight, items }, next };
}

function parseParagraph(lines: readonly string[], index: number, depth: number): Parsed {
  const paragraph = [(lines[index] ?? '').trim()];
  let next = index + 1;
  for (; next < lines.length; next++) {
    const line = lines[next] ?? '';
    if (isBlank(line)) break;
    if (indentOf(line) < 4 && SETEXT_UNDERLINE.test(line.trim())) {
      const level = line.trim().startsWith('=') ? 1 : 2;
      return { block: { type: 'heading', level, children: parseInline(paragraph.join('\n')) }, next: next + 1 };
    }
    if (interruptsParagraph(line, depth) || matchTableStart(lines, next)) break;
    paragraph.push(line.trim());
  }
  return { block: { type: 'paragraph', children: parseInline(paragraph.join('\n')) }, next };
}

function parseBlockAt(lines: readonly string[], index: number, depth: number): Parsed {
  const line = lines[index] ?? '';
  if (indentOf(line) >= 4) return parseIndentedCode(lines, index);
  const fence = matchFence(line);
  if (fence) return parseFence(lines, index, fence);
  const heading = parseHeading(line);
  if (heading) return { block: heading, next: index + 1 };
  if (isThematicBreak(line)) return { block: { type: 'rule' }, next: index + 1 };
  if (depth < MARKDOWN_LIMITS.maxBlockDepth) {
    if (withoutIndent(line).startsWith('>')) return parseBlockquote(lines, index, depth);
    const item = matchListItem(line);
    if (item) return parseList(lines, index, item, depth);
  }
  const table = matchTableStart(lines, index);
  if (table) return parseTable(lines, index, table);
  return parseParagraph(lines, index, depth);
}

/**
 * Parses lines (no line terminators) into blocks. `depth` counts the containers around them.
 *
 * @example
 * parseBlocks(['# Title', '', '- one', '- two']);
 * // [{ type: 'heading', level: 1, … }, { type: 'list', ordered: false, items: [[…], […]], … }]
 */
export function parseBlocks(lines: readonly string[], depth = 0): BlockNode[] {
  const blocks: BlockNode[] = [];
  for (let index = 0; index < lines.length; ) {
    if (isBlank(lines[index] ?? '')) {
      index++;
      continue;
    }
    const { block, next } = parseBlockAt(lines, index, depth);
    blocks.push(block);
    index = next;
  }
  return blocks;
}
