/**
 * Block Markdown: lines become paragraphs, headings, code blocks, blockquotes, lists, tables and
 * rules. Containers (blockquotes, list items) collect their lines, strip their markers and are
 * parsed again one level deeper; past `maxBlockDepth` their markers are read as plain text, so
 * 10,000 nested `>` cost no more than a few passes over the input.
 *
 * Follows CommonMark and GFM closely enough for chat, with deliberate differences (README.md, "Not
 * supported"): no indented code blocks, no setext headings, no loose lists (items are compact
 * either way), and table rows must contain a `|`.
 */
import { MARKDOWN_LIMITS } from './markdown-ast.ts';
import type { BlockNode, HeadingLevel, InlineNode, TableAlignment } from './markdown-ast.ts';
import { parseInline } from './parse-inline.ts';

interface ListItem {
  ordered: boolean;
  start: number;
  /** `-`, `+` or `*` for bullets, `.` or `)` for ordered lists: items must agree to be siblings. */
  delimiter: string;
  /** Columns a continuation line must be indented by to belong to the item. */
  indent: number;
  /** The first line's content, after the marker. */
  content: string;
}

/** A backtick fence's info string may not contain a backtick. The language is a plain token or nothing. */
const FENCE = /^\s*(`{3,}(?!.*`)|~{3,})\s*([\w+#.-]{1,32}(?!\S))?/;
const HEADING = /^\s*(#{1,6})(?:\s+(.*))?$/;
const RULE = /^\s*([-*_])(?:\s*\1){2,}\s*$/;
/** The checkbox of a task list item: `[ ]`, `[x]` or `[X]`, then text. */
const TASK = /^\[([ xX])\][ \t]+(?=\S)/;
const QUOTE = /^\s*>\s?/;
/** A marker, then 1–4 spaces before the content; more, or none, and the content starts one space after the marker. */
const LIST_ITEM = /^\s*(?:[-+*]|(\d{1,9})[.)])(?:\s{1,4}(?=\S)|\s|$)/;
const PARAGRAPH_ENDING_CONTAINER = /^\s*(?:>|(?:[-+*]|1[.)])\s+\S)/;
const MAX_TABLE_COLUMNS = 64;

function isBlank(line = ''): boolean {
  return !line.trim();
}

/** Columns of leading whitespace, a tab counting 4. */
function indentOf(line: string): number {
  return columns(line) - columns(line.trimStart());
}

function columns(text: string): number {
  return text.replace(/\t/g, '    ').length;
}

/** `line` without up to `columns` columns of leading whitespace. */
function dedent(line: string, columns: number): string {
  let index = 0;
  for (let width = 0; width < columns && (line[index] === ' ' || line[index] === '\t'); index++)
    width += line[index] === ' ' ? 1 : 4;
  return line.slice(index);
}

function matchListItem(line = ''): ListItem | null {
  const match = LIST_ITEM.exec(line);
  if (!match) return null;
  const marker = match[0].trimEnd();
  return {
    ordered: match[1] !== undefined,
    start: Number(match[1] ?? 1),
    delimiter: marker.slice(-1),
    indent: columns(match[0]) + (match[0].length === marker.length ? 1 : 0),
    content: line.slice(match[0].length),
  };
}

/** Whether `line` ends a paragraph (CommonMark: only a list item with content, and bullet or `1.`, may interrupt one). */
function interruptsParagraph(line: string, depth: number): boolean {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    (depth < MARKDOWN_LIMITS.maxBlockDepth && PARAGRAPH_ENDING_CONTAINER.test(line))
  );
}

/** Cells of a table row. `\|` is a literal pipe: it is NUL while splitting (parseMarkdown replaced real NULs). */
function splitTableRow(line: string): string[] {
  return line
    .replace(/\\\|/g, '\0')
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((cell) => cell.replace(/\0/g, '|').trim());
}

/** The column alignments if a GFM table starts at `index`: a header row, then a delimiter row with as many cells. */
function matchTableStart(lines: readonly string[], index: number): TableAlignment[] | null {
  const header = lines[index] ?? '';
  const delimiter = lines[index + 1] ?? '';
  if (!header.includes('|') || !delimiter.includes('|')) return null;
  const cells = splitTableRow(delimiter);
  if (
    cells.length > MAX_TABLE_COLUMNS ||
    cells.length !== splitTableRow(header).length ||
    !cells.every((cell) => /^:?-+:?$/.test(cell))
  )
    return null;
  // `:-` left, `-:` right, `:-:` center.
  return cells.map(
    (cell) =>
      ([null, 'left', 'right', 'center'] as const)[
        Number(cell.startsWith(':')) + 2 * Number(cell.endsWith(':'))
      ] ?? null,
  );
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
  let index = 0;
  /** Collects the lines from `index` on that `take` maps to a string; stops at the first it maps to null. */
  const collect = (take: (line: string, collected: string[]) => string | null): string[] => {
    const collected: string[] = [];
    for (
      let line: string | null;
      index < lines.length && (line = take(lines[index] ?? '', collected)) !== null;
      index++
    )
      collected.push(line);
    return collected;
  };
  const container = depth < MARKDOWN_LIMITS.maxBlockDepth;

  while (index < lines.length) {
    const line = lines[index] ?? '';
    const fence = FENCE.exec(line);
    const heading = HEADING.exec(line);
    const item = container ? matchListItem(line) : null;
    const alignments = matchTableStart(lines, index);

    if (isBlank(line)) {
      index++;
    } else if (fence) {
      const [, marker = '', language = ''] = fence;
      const indent = indentOf(line);
      index++;
      let closed = false;
      const code = collect((next) => {
        const trimmed = next.trim();
        closed = trimmed.startsWith(marker) && /^(`+|~+)$/.test(trimmed);
        return closed ? null : dedent(next, indent);
      });
      if (closed) index++;
      // A fence still open at the end (a streaming message): trailing blank lines are not code yet.
      else while (isBlank(code[code.length - 1] ?? 'x')) code.pop();
      blocks.push({ type: 'code-block', language, text: code.join('\n'), closed });
    } else if (heading) {
      // An optional closing sequence (`## Title ##`) needs a space before it.
      const text = (heading[2] ?? '').trimEnd().replace(/(^|[ \t])#+$/, '');
      blocks.push({
        type: 'heading',
        level: (heading[1] ?? '').length as HeadingLevel,
        children: parseInline(text.trim()),
      });
      index++;
    } else if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      index++;
    } else if (container && QUOTE.test(line)) {
      // Lazy continuation: an unmarked line continues a quoted paragraph.
      const quoted = collect((next, collected) =>
        QUOTE.test(next)
          ? next.replace(QUOTE, '')
          : isBlank(next) ||
              isBlank(collected[collected.length - 1]) ||
              interruptsParagraph(next, depth)
            ? null
            : next,
      );
      blocks.push({ type: 'blockquote', children: parseBlocks(quoted, depth + 1) });
    } else if (item) {
      blocks.push(parseList(item));
    } else if (alignments) {
      const toCells = (cells: string[]): InlineNode[][] =>
        alignments.map((_, column) => parseInline(cells[column] ?? ''));
      const head = toCells(splitTableRow(line));
      index += 2;
      const rows = collect((next) =>
        isBlank(next) || !next.includes('|') || interruptsParagraph(next, 0) ? null : next,
      );
      blocks.push({
        type: 'table',
        alignments,
        head,
        rows: rows.map((row) => toCells(splitTableRow(row))),
      });
    } else {
      index++;
      const paragraph = collect((next) =>
        isBlank(next) || interruptsParagraph(next, depth) || matchTableStart(lines, index)
          ? null
          : next.trim(),
      );
      blocks.push({
        type: 'paragraph',
        children: parseInline([line.trim(), ...paragraph].join('\n')),
      });
    }
  }
  return blocks;

  function parseList(first: ListItem): BlockNode {
    const items: BlockNode[][] = [];
    const tasks: (boolean | null)[] = [];
    for (let item: ListItem | null = first; item?.delimiter === first.delimiter;) {
      const { indent, content } = item;
      index++;
      // Indented lines belong to the item, and so does a lazy continuation of its paragraph.
      const itemLines = collect((next, collected) =>
        isBlank(next) || indentOf(next) >= indent
          ? dedent(next, indent)
          : isBlank(collected[collected.length - 1] ?? content) ||
              matchListItem(next) ||
              interruptsParagraph(next, depth)
            ? null
            : next,
      );
      // A GFM task item: `[ ]`, `[x]` or `[X]`, a space, then the text of a paragraph.
      const task = TASK.exec(content);
      const blocks = task && parseBlocks([content.slice(task[0].length), ...itemLines], depth + 1);
      const isTask = blocks?.[0]?.type === 'paragraph';
      tasks.push(isTask ? task![1] !== ' ' : null);
      items.push(isTask ? blocks! : parseBlocks([content, ...itemLines], depth + 1));
      item = RULE.test(lines[index] ?? '') ? null : matchListItem(lines[index]);
    }
    const list: BlockNode = { type: 'list', ordered: first.ordered, start: first.start, items };
    return tasks.some((task) => task !== null) ? { ...list, tasks } : list;
  }
}
