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
 * run of `*`, `_` or `~`, the start of a bare URL, plain text (with any backslash pair:
 * `decodeEscapesAndEntities` keeps those that are not escapes), or any other single character.
 * Plain text stops at an `h` only where `http://` or `https://` follows, so text stays in one piece.
 */
const TOKEN =
  /(\\?\n)|(`+)|<((?:[a-z][\w+.-]{1,31}:|[\w.+-]+@)[^\s<>]*)>|(!?\[)|(\])|(\*+|_+|~+)|(https?:\/\/)|(?:\\.|h(?!ttps?:\/\/)|[^\\`<![\]*_~\nh])+|[^]/iy;
const BACKTICKS = /`+/g;
const BARE_URL = /https?:\/\/[^\s<\]]+/iy;
/**
 * `(destination "title")` after `]`: the destination is group 1 (`<…>`) or group 2 (no spaces, one
 * level of balanced parentheses). Each part starts with its own characters, so a failing match
 * never backtracks far.
 */
const LINK_TAIL =
  /^\(\s*(?:(?:<((?:\\.|[^<>\\\n])*)>|((?:\\.|[^\s()\\]|\((?:\\.|[^\s()\\])*\))+))(?:\s+(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\((?:\\.|[^()\\])*\)))?\s*)?\)/;

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

  /** The last text node added by `addText`, which the next text joins while nothing came between. */
  let lastText: TextNode | undefined;
  const addText = (text: string): void => {
    if (lastText && nodes[nodes.length - 1] === lastText) lastText.text += text;
    else nodes.push((lastText = { type: 'text', text }));
  };
  /** Adds a text node that may open: marks never merge with other text. */
  const open = (text: string, at: number): void => {
    const node: TextNode = { type: 'text', text };
    nodes.push(node);
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
  /**
   * Takes the nodes after `mark` out of `nodes` (the marks among them can no longer close), and
   * drops `mark` itself once its text is used up.
   */
  const takeNodesAfter = (mark: Mark): InlineNode[] => {
    while ((marks[marks.length - 1]?.at ?? -1) > mark.at) marks.pop();
    const children = nodes.splice(nodes.lastIndexOf(mark.node) + 1);
    if (!mark.node.text) {
      marks.pop();
      nodes.pop();
    }
    return children;
  };

  for (let index = 0; index < source.length;) {
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(source);
    if (!match) break;
    const [token, lineBreak, backticks, autolink, bracket, closingBracket, run, url] = match;
    const at = index;
    index = TOKEN.lastIndex;

    if (lineBreak) {
      nodes.push({ type: 'break' });
    } else if (backticks) {
      const close = unclosedCode.has(backticks.length)
        ? -1
        : findBackticks(source, index, backticks.length);
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
      open(bracket, at);
    } else if (closingBracket) {
      const opener = findMark((text) => text.endsWith('['));
      const tail =
        opener && LINK_TAIL.exec(source.slice(index, index + MARKDOWN_LIMITS.maxLinkTailLength));
      if (opener && tail) {
        const image = opener.node.text === '![';
        opener.node.text = '';
        const children = takeNodesAfter(opener);
        const href = decodeEscapesAndEntities(tail[1] ?? tail[2] ?? '');
        nodes.push(
          image
            ? { type: 'image', src: href, alt: inlineText(children) }
            : { type: 'link', href, children },
        );
        index += tail[0].length;
      } else {
        // A bracket not followed by a destination is text, and can no longer open (CommonMark).
        if (opener) marks.splice(marks.indexOf(opener), 1);
        addText(token);
      }
    } else if (run) {
      readDelimiterRun(run, kind(source[at - 1]), kind(source[index]), at);
    } else if (url) {
      // GFM's bare URLs: at the start or after whitespace, `*`, `_`, `~` or `(`, minus trailing
      // punctuation. Read only then, so a long run of rejected `xhttps://` stays linear.
      BARE_URL.lastIndex = at;
      const bareUrl = /[^\s*_~(]/.test(source.charAt(at - 1))
        ? ''
        : trimUrl(BARE_URL.exec(source)?.[0] ?? url);
      const text = decodeEscapesAndEntities(bareUrl);
      if (/\/\/./.test(bareUrl)) {
        nodes.push({ type: 'link', href: text, children: [{ type: 'text', text }] });
        index = at + bareUrl.length;
      } else addText(url);
    } else {
      addText(decodeEscapesAndEntities(token));
    }
  }
  return nodes;

  /**
   * A run of `*`, `_` or `~`. CommonMark's flanking rules decide whether it may open or close
   * (`_` does not inside a word, so `snake_case_name` stays as is). A closing run pairs with the
   * nearest open run of its character: two characters from each make strong (`~~` strikethrough),
   * one makes emphasis. `~~` must be exactly two; runs over three are text.
   */
  function readDelimiterRun(run: string, before: number, after: number, at: number): void {
    const character = run.charAt(0);
    const leftFlanking = after > 0 && (after > 1 || before < 2);
    const rightFlanking = before > 0 && (before > 1 || after < 2);
    const underscore = character === '_';
    const usable = character === '~' ? run.length === 2 : run.length < 4;
    const canOpen = usable && leftFlanking && (!underscore || !rightFlanking || before === 1);
    const canClose = usable && rightFlanking && (!underscore || !leftFlanking || after === 1);
    let opener: Mark | undefined;
    while (canClose && run && (opener = findMark((text) => text.startsWith(character)))) {
      const used = character === '~' || (opener.node.text.length > 1 && run.length > 1) ? 2 : 1;
      opener.node.text = opener.node.text.slice(used);
      run = run.slice(used);
      const children = takeNodesAfter(opener);
      nodes.push({
        type: character === '~' ? 'strikethrough' : used === 2 ? 'strong' : 'emphasis',
        children,
      });
    }
    if (canOpen && run) open(run, at);
    else if (run) addText(run);
  }
}

/** The plain text of inline nodes: an image's alt text, or a link's visible text. */
export function inlineText(nodes: readonly InlineNode[]): string {
  return nodes
    .map((node) =>
      node.type === 'break'
        ? ' '
        : node.type === 'image'
          ? node.alt
          : 'children' in node
            ? inlineText(node.children)
            : node.text,
    )
    .join('');
}

/** 0 for whitespace (the start and end of the text count as such), 1 for punctuation or symbols, 2 for the rest. */
function kind(character = ' '): number {
  return /\s/.test(character) ? 0 : /[\p{P}\p{S}]/u.test(character) ? 1 : 2;
}

/** Where the next run of exactly `length` backticks at or after `from` starts, or -1. */
function findBackticks(source: string, from: number, length: number): number {
  BACKTICKS.lastIndex = from;
  for (let run = BACKTICKS.exec(source); run; run = BACKTICKS.exec(source))
    if (run[0].length === length) return run.index;
  return -1;
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
