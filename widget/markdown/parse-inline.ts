/**
 * Inline Markdown: the text of a paragraph, heading or table cell becomes `InlineNode`s.
 *
 * Supported: backslash escapes, entities, code spans, `[text](url "title")`, `![alt](url)`,
 * `<scheme:…>` and `<user@host>` autolinks, bare `http(s)://` URLs, `*`/`_` emphasis and strong,
 * `~~strikethrough~~`, and line breaks (every newline inside a paragraph is one, as in chat).
 * Raw HTML is not a thing here: `<b>` stays the text `<b>`.
 *
 * One left-to-right pass, CommonMark's delimiter stack made small. One pattern cuts the text into
 * tokens. `[`, `![` and the runs of `*`, `_` or `~~` that may open are kept as *marks*; a run
 * that closes, or a `]` followed by `(destination)`, moves the nodes after its mark into a new
 * node. At most `maxInlineDepth` marks are open at once (the oldest is forgotten and stays text),
 * which bounds the nesting and the work per token: parsing is linear.
 */
import { decodeEscapesAndEntities } from './decode-text.ts';
import { MARKDOWN_LIMITS, type InlineNode } from './markdown-ast.ts';

type TextNode = Extract<InlineNode, { type: 'text' }>;

/** An open `[`, `![` or delimiter run: its text node (shortened as pairs use it) and its offset. */
interface Mark {
  node: TextNode;
  at: number;
}

/**
 * One token: a line break (`\` + newline too), a backtick run, an autolink, `[` or `![`, `]`, a
 * run of `*`, `_` or `~`, plain text (with any backslash pair: `decodeEscapesAndEntities` keeps
 * those that are not escapes), or any other single character.
 */
const TOKEN = /(\\?\n)|(`+)|<((?:[a-zA-Z][\w+.-]{1,31}:|[\w.+-]+@)[^\s<>]*)>|(!?\[)|(\])|(\*+|_+|~+)|(?:\\.|[^\\`<![\]*_~\n])+|[^]/y;
const BACKTICKS = /`+/g;
/**
 * `(destination "title")` after `]`: the destination is group 1 (`<…>`) or group 2 (no spaces, one
 * level of balanced parentheses). Each part starts with its own characters, so a failing match
 * never backtracks far.
 */
const LINK_TAIL =
  /^\(\s*(?:(?:<((?:\\.|[^<>\\\n])*)>|((?:\\.|[^\s()\\]|\((?:\\.|[^\s()\\])*\))+))(?:\s+(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\((?:\\.|[^()\\])*\)))?\s*)?\)/;
const BARE_URL = /https?:\/\/[^\s<]+/gi;

/**
 * Parses inline Markdown into nodes.
 *
 * @example
 * parseInline('**Hi** `x`'); // [{ type: 'strong', children: [{ type: 'text', text: 'Hi' }] }, { type: 'text', text: ' ' }, { type: 'code', text: 'x' }]
 */
export function parseInline(source: string): InlineNode[] {
  const nodes: InlineNode[] = [];
  const marks: Mark[] = [];
  /** Lengths of backtick runs that have no closing run further on. */
  const unclosedCode = new Set<number>();

  const addText = (text: string): TextNode => {
    const node: TextNode = { type: 'text', text };
    nodes.push(node);
    return node;
  };
  const open = (node: TextNode, at: number): void => {
    if (marks.push({ node, at }) > MARKDOWN_LIMITS.maxInlineDepth) marks.shift();
  };
  /** The topmost mark `accept` takes, looking no further down than the topmost bracket. */
  const findMark = (accept: (text: string) => boolean): Mark | undefined => {
    for (let index = marks.length - 1; index >= 0; index--) {
      const mark = marks[index];
      if (!mark || accept(mark.node.text)) return mark;
      if (mark.node.text.endsWith('[')) return undefined;
    }
    return undefined;
  };
  /** Takes the nodes after `mark` out of `nodes`; the marks among them can no longer close. */
  const takeNodesAfter = (mark: Mark): InlineNode[] => {
    while ((marks[marks.length - 1]?.at ?? -1) > mark.at) marks.pop();
    return nodes.splice(nodes.lastIndexOf(mark.node) + 1);
  };

  for (let index = 0; index < source.length; ) {
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(source);
    if (!match) break;
    const [token, lineBreak, backticks, autolink, bracket, closingBracket, run] = match;
    const at = index;
    index = TOKEN.lastIndex;

    if (lineBreak) {
      nodes.push({ type: 'break' });
    } else if (backticks) {
      const close = unclosedCode.has(backticks.length) ? -1 : findBackticks(source, index, backticks.length);
      if (close === -1) {
        unclosedCode.add(backticks.length);
        addText(backticks);
      } else {
        const code = source.slice(index, close).replace(/\n/g, ' ');
        const padded = code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '';
        nodes.push({ type: 'code', text: padded ? code.slice(1, -1) : code });
        index = close + backticks.length;
      }
    } else if (autolink) {
      const href = autolink.includes(':') ? autolink : `mailto:${autolink}`;
      nodes.push({ type: 'link', href, children: [{ type: 'text', text: autolink }] });
    } else if (bracket) {
      open(addText(bracket), at);
    } else if (closingBracket) {
      const opener = findMark((text) => text.endsWith('['));
      const tail = opener && LINK_TAIL.exec(source.slice(index, index + MARKDOWN_LIMITS.maxLinkTailLength));
      if (opener && tail) {
        const children = takeNodesAfter(opener);
        nodes.pop();
        marks.pop();
        const href = decodeEscapesAndEntities(tail[1] ?? tail[2] ?? '');
        nodes.push(opener.node.text === '[' ? { type: 'link', href, children } : { type: 'image', src: href, alt: inlineText(children) });
        index += tail[0].length;
      } else {
        // A bracket not followed by a destination is text, and can no longer open (CommonMark).
        if (opener) marks.splice(marks.indexOf(opener), 1);
        addText(token);
      }
    } else if (run) {
      readDelimiterRun(run, kind(source[at - 1]), kind(source[index]), at);
    } else {
      addText(decodeEscapesAndEntities(token));
    }
  }
  return finish(nodes, false);

  /**
   * A run of `*`, `_` or `~`. CommonMark's flanking rules decide whether it may open or close
   * (`_` does not inside a word, so `snake_case_name` stays as is). A closing run pairs with the
   * nearest open run of its character: two characters from each make strong (`~~` strikethrough),
   * one makes emphasis. `~~` must be exactly two; runs over three are text.
   */
  function readDelimiterRun(run: string, before: number, after: number, at: number): void {
    const character = run.charAt(0);
    const node: TextNode = { type: 'text', text: run };
    const leftFlanking = after > 0 && (after > 1 || before < 2);
    const rightFlanking = before > 0 && (before > 1 || after < 2);
    const underscore = character === '_';
    const usable = character === '~' ? run.length === 2 : run.length < 4;
    const canOpen = usable && leftFlanking && (!underscore || !rightFlanking || before === 1);
    const canClose = usable && rightFlanking && (!underscore || !leftFlanking || after === 1);
    let opener: Mark | undefined;
    while (canClose && node.text && (opener = findMark((text) => text.startsWith(character)))) {
      const used = character === '~' || (opener.node.text.length > 1 && node.text.length > 1) ? 2 : 1;
      opener.node.text = opener.node.text.slice(used);
      node.text = node.text.slice(used);
      const children = takeNodesAfter(opener);
      nodes.push({ type: character === '~' ? 'strikethrough' : used === 2 ? 'strong' : 'emphasis', children });
      if (!opener.node.text) marks.pop();
    }
    nodes.push(node);
    if (canOpen && node.text) open(node, at);
  }
}

/** The plain text of inline nodes: an image's alt text, or a link's visible text. */
export function inlineText(nodes: readonly InlineNode[]): string {
  return nodes
    .map((node) => (node.type === 'break' ? ' ' : node.type === 'image' ? node.alt : 'children' in node ? inlineText(node.children) : node.text))
    .join('');
}

/** 0 for whitespace (the start and end of the text count as such), 1 for punctuation or symbols, 2 for the rest. */
function kind(character = ' '): number {
  return /\s/.test(character) ? 0 : /[\p{P}\p{S}]/u.test(character) ? 1 : 2;
}

/** Where the next run of exactly `length` backticks at or after `from` starts, or -1. */
function findBackticks(source: string, from: number, length: number): number {
  BACKTICKS.lastIndex = from;
  for (let run = BACKTICKS.exec(source); run; run = BACKTICKS.exec(source)) if (run[0].length === length) return run.index;
  return -1;
}

/** Merges neighbouring text, drops empty text, and links the bare URLs of text outside links. */
function finish(nodes: readonly InlineNode[], inLink: boolean): InlineNode[] {
  const result: InlineNode[] = [];
  for (const node of nodes) {
    const last = result[result.length - 1];
    if ('children' in node) node.children = finish(node.children, inLink || node.type === 'link');
    if (node.type !== 'text') result.push(node);
    else if (last?.type === 'text') last.text += node.text;
    else if (node.text) result.push(node);
  }
  return inLink ? result : result.flatMap((node) => (node.type === 'text' ? linkBareUrls(node.text) : node));
}

/** GFM's bare URLs: at the start or after whitespace, `*`, `_`, `~` or `(`, minus trailing punctuation. */
function linkBareUrls(text: string): InlineNode[] {
  const nodes: InlineNode[] = [];
  let done = 0;
  for (const match of text.matchAll(BARE_URL)) {
    const url = trimUrl(match[0]);
    if (/[^\s*_~(]/.test(text.charAt(match.index - 1)) || !/\/\/./.test(url)) continue;
    nodes.push({ type: 'text', text: text.slice(done, match.index) }, { type: 'link', href: url, children: [{ type: 'text', text: url }] });
    done = match.index + url.length;
  }
  nodes.push({ type: 'text', text: text.slice(done) });
  return nodes.filter((node) => node.type !== 'text' || node.text);
}

/** A bare URL without its trailing punctuation, nor the `)` that close nothing (GFM). */
function trimUrl(url: string): string {
  let unbalanced = 0;
  for (const character of url) unbalanced += character === ')' ? 1 : character === '(' ? -1 : 0;
  let end = url.length;
  for (;;) {
    const last = url.charAt(end - 1);
    if (last === ')' && unbalanced > 0) unbalanced--;
    else if (!`?!.,:*_~'"`.includes(last)) return url.slice(0, end);
    end--;
  }
}
