/**
 * Inline Markdown: the text of a paragraph, heading or table cell becomes `InlineNode`s.
 *
 * Supported: backslash escapes, entities, code spans, `[text](url "title")`, `![alt](url)`,
 * `<scheme:…>` and `<user@host>` autolinks, bare `http(s)://` URLs, `*`/`_` emphasis and strong,
 * `~~strikethrough~~`, and line breaks (every newline inside a paragraph is one, as in chat).
 * Raw HTML is not a thing here: `<b>` stays the text `<b>`.
 *
 * It runs in time linear in the input (times the small nesting limits): code spans and bracket
 * pairs are found in one pre-pass, link tails are bounded, emphasis uses the openers-bottom rule.
 */
import { decodeEscapesAndEntities, isAsciiPunctuation, readEntity } from './decode-text.ts';
import { buildInlineTree, createDelimiterRun, matchDelimiters } from './emphasis.ts';
import type { DelimiterRun, InlineToken } from './emphasis.ts';
import { MARKDOWN_LIMITS, type InlineNode } from './markdown-ast.ts';

/** Where a piece of inline text sits: how deep in links, and whether inside a link's text. */
export interface InlineContext {
  depth: number;
  /** Link text may not contain links (no `<a>` inside `<a>`); images are fine. */
  inLink: boolean;
}

/** The characters at which the scanner stops to look; everything between is plain text. */
const SPECIAL = /[\\`&<![*_~\nhH]/g;
const URI_AUTOLINK = /<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/y;
const EMAIL_AUTOLINK =
  /<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)>/y;
const BARE_URL = /https?:\/\/[^\s<]+/iy;
/** A bare URL may start only after these (or at the start), so `xhttp://` is not one. */
const BEFORE_BARE_URL = /[\s*_~(]/;
const TRAILING_URL_PUNCTUATION = `?!.,:*_~'"`;

/**
 * Parses inline Markdown into nodes.
 *
 * @example
 * parseInline('**Hi** `x`'); // [{ type: 'strong', children: [{ type: 'text', text: 'Hi' }] }, { type: 'text', text: ' ' }, { type: 'code', text: 'x' }]
 */
export function parseInline(source: string, context: InlineContext = { depth: 0, inLink: false }): InlineNode[] {
  if (context.depth > MARKDOWN_LIMITS.maxInlineDepth) return source ? [{ type: 'text', text: source }] : [];
  return new InlineScanner(source, context).scan();
}

/** The plain text of inline nodes: an image's alt text, or a link's visible text. */
export function inlineText(nodes: readonly InlineNode[]): string {
  let text = '';
  for (const node of nodes) {
    if (node.type === 'text' || node.type === 'code') text += node.text;
    else if (node.type === 'break') text += ' ';
    else if (node.type === 'image') text += node.alt;
    else text += inlineText(node.children);
  }
  return text;
}

/**
 * One left-to-right pass that finds what binds tighter than links and emphasis: code spans (a
 * backtick run and the next run of the same length) and `[`…`]` pairs outside code spans.
 */
function findCodeSpansAndBrackets(source: string): { codeSpans: Map<number, number>; brackets: Map<number, number> } {
  const runsByLength = new Map<number, { starts: number[]; next: number }>();
  for (let index = source.indexOf('`'); index !== -1; ) {
    let end = index;
    while (source[end] === '`') end++;
    const runs = runsByLength.get(end - index) ?? { starts: [], next: 0 };
    runs.starts.push(index);
    runsByLength.set(end - index, runs);
    index = source.indexOf('`', end);
  }
  /** The start of the next run of exactly `length` backticks at or after `from`, or -1. */
  const nextRun = (from: number, length: number): number => {
    const runs = runsByLength.get(length);
    if (!runs) return -1;
    while (runs.next < runs.starts.length && (runs.starts[runs.next] ?? 0) < from) runs.next++;
    return runs.starts[runs.next] ?? -1;
  };

  const codeSpans = new Map<number, number>();
  const brackets = new Map<number, number>();
  const openBrackets: number[] = [];
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === '\\' && isAsciiPunctuation(source[index + 1])) {
      index++;
    } else if (character === '`') {
      let end = index;
      while (source[end] === '`') end++;
      const close = nextRun(end, end - index);
      if (close !== -1) codeSpans.set(index, close);
      index = (close === -1 ? end : close + (end - index)) - 1;
    } else if (character === '[') {
      openBrackets.push(index);
    } else if (character === ']' && openBrackets.length > 0) {
      brackets.set(openBrackets.pop() ?? 0, index);
    }
  }
  return { codeSpans, brackets };
}

/** Drops trailing punctuation and unbalanced `)` from a bare URL, as GFM does. */
function trimBareUrl(url: string): string {
  let opens = 0;
  let closes = 0;
  for (const character of url) {
    if (character === '(') opens++;
    else if (character === ')') closes++;
  }
  let end = url.length;
  for (;;) {
    const last = url[end - 1] ?? '';
    if (last !== '' && TRAILING_URL_PUNCTUATION.includes(last)) end--;
    else if (last === ')' && closes > opens) {
      end--;
      closes--;
    } else return url.slice(0, end);
  }
}

/** Skips spaces and tabs and at most one newline. */
function skipSpace(source: string, index: number): number {
  let newlines = 0;
  while (index < source.length) {
    const character = source[index];
    if (character === '\n' && newlines++ === 0) index++;
    else if (character === ' ' || character === '\t') index++;
    else break;
  }
  return index;
}

/**
 * Reads `(destination "optional title")` starting at `index` (which must be `(`). Returns the
 * decoded destination and the index after `)`, or null if this is not a link tail. Looks at most
 * `maxLinkTailLength` characters ahead.
 */
function readLinkTail(source: string, index: number): { href: string; end: number } | null {
  if (source[index] !== '(') return null;
  const limit = Math.min(source.length, index + MARKDOWN_LIMITS.maxLinkTailLength);
  let position = skipSpace(source, index + 1);
  let rawHref: string;
  if (source[position] === '<') {
    let end = position + 1;
    while (end < limit && !'<>\n'.includes(source[end] ?? '')) end += source[end] === '\\' ? 2 : 1;
    if (end >= limit || source[end] !== '>') return null;
    rawHref = source.slice(position + 1, end);
    position = end + 1;
  } else {
    let end = position;
    let parentheses = 0;
    for (; end < limit; end++) {
      const character = source[end] ?? '';
      if (character === '\\' && isAsciiPunctuation(source[end + 1])) end++;
      else if (character === '(') parentheses++;
      else if (character === ')' && parentheses-- === 0) break;
      else if (character <= ' ') break;
    }
    rawHref = source.slice(position, end);
    position = end;
  }
  const afterHref = position;
  position = skipSpace(source, position);
  const quote = source[position];
  if (position > afterHref && (quote === '"' || quote === "'" || quote === '(')) {
    const closing = quote === '(' ? ')' : quote;
    let end = position + 1;
    while (end < limit && source[end] !== closing) end += source[end] === '\\' ? 2 : 1;
    if (end >= limit) return null;
    position = skipSpace(source, end + 1);
  }
  if (position >= limit || source[position] !== ')') return null;
  return { href: decodeEscapesAndEntities(rawHref), end: position + 1 };
}

class InlineScanner {
  private readonly tokens: InlineToken[] = [];
  private firstRun: DelimiterRun | null = null;
  private lastRun: DelimiterRun | null = null;
  private runCount = 0;
  private readonly codeSpans: Map<number, number>;
  private readonly brackets: Map<number, number>;

  constructor(
    private readonly source: string,
    private readonly context: InlineContext,
  ) {
    ({ codeSpans: this.codeSpans, brackets: this.brackets } = findCodeSpansAndBrackets(source));
  }

  scan(): InlineNode[] {
    const { source } = this;
    let index = 0;
    while (index < source.length) {
      SPECIAL.lastIndex = index;
      const stop = SPECIAL.exec(source)?.index ?? source.length;
      this.pushText(source.slice(index, stop));
      index = stop < source.length ? this.scanAt(stop) : stop;
    }
    matchDelimiters(this.firstRun);
    return buildInlineTree(this.tokens, this.context.depth);
  }

  /** Handles the special character at `index`; returns where scanning continues. */
  private scanAt(index: number): number {
    switch (this.source[index]) {
      case '\\':
        return this.scanBackslash(index);
      case '`':
        return this.scanCodeSpan(index);
      case '&':
        return this.scanEntity(index);
      case '<':
        return this.scanAutolink(index);
      case '!':
        return this.source[index + 1] === '[' ? this.scanLink(index + 1, true) : this.literal(index, 1);
      case '[':
        return this.scanLink(index, false);
      case '\n':
        this.tokens.push({ type: 'break' });
        return index + 1;
      case 'h':
      case 'H':
        return this.scanBareUrl(index);
      default:
        return this.scanDelimiterRun(index);
    }
  }

  private pushText(text: string): void {
    const last = this.tokens[this.tokens.length - 1];
    if (last?.type === 'text') last.text += text;
    else if (text !== '') this.tokens.push({ type: 'text', text });
  }

  private literal(index: number, length: number): number {
    this.pushText(this.source.slice(index, index + length));
    return index + length;
  }

  private scanBackslash(index: number): number {
    const next = this.source[index + 1];
    if (next === '\n') {
      this.tokens.push({ type: 'break' });
      return index + 2;
    }
    if (!isAsciiPunctuation(next)) return this.literal(index, 1);
    this.pushText(next ?? '');
    return index + 2;
  }

  private scanCodeSpan(index: number): number {
    let end = index;
    while (this.source[end] === '`') end++;
    const close = this.codeSpans.get(index);
    if (close === undefined) return this.literal(index, end - index);
    let text = this.source.slice(end, close).replace(/\n/g, ' ');
    if (text.length > 1 && text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') text = text.slice(1, -1);
    this.tokens.push({ type: 'code', text });
    return close + (end - index);
  }

  private scanEntity(index: number): number {
    const entity = readEntity(this.source, index);
    if (!entity) return this.literal(index, 1);
    this.pushText(entity.value);
    return index + entity.length;
  }

  private scanAutolink(index: number): number {
    if (this.context.inLink) return this.literal(index, 1);
    URI_AUTOLINK.lastIndex = index;
    const uri = URI_AUTOLINK.exec(this.source);
    EMAIL_AUTOLINK.lastIndex = index;
    const email = uri ? null : EMAIL_AUTOLINK.exec(this.source);
    const match = uri ?? email;
    if (!match) return this.literal(index, 1);
    const target = match[1] ?? '';
    this.tokens.push({ type: 'link', href: uri ? target : `mailto:${target}`, children: [{ type: 'text', text: target }] });
    return index + match[0].length;
  }

  private scanBareUrl(index: number): number {
    const before = this.source[index - 1];
    if (this.context.inLink || (before !== undefined && !BEFORE_BARE_URL.test(before))) return this.literal(index, 1);
    BARE_URL.lastIndex = index;
    const url = trimBareUrl(BARE_URL.exec(this.source)?.[0] ?? '');
    if (!/^https?:\/\/./i.test(url)) return this.literal(index, 1);
    this.tokens.push({ type: 'link', href: url, children: [{ type: 'text', text: url }] });
    return index + url.length;
  }

  /** `[text](url)` with `[` at `bracket`, or `![alt](url)` with `!` just before it. */
  private scanLink(bracket: number, isImage: boolean): number {
    const start = isImage ? bracket - 1 : bracket;
    const close = this.brackets.get(bracket);
    const tail = close === undefined || (this.context.inLink && !isImage) ? null : readLinkTail(this.source, close + 1);
    if (close === undefined || !tail) return this.literal(start, bracket + 1 - start);

    const inner = this.source.slice(bracket + 1, close);
    const children = parseInline(inner, { depth: this.context.depth + 1, inLink: true });
    if (isImage) this.tokens.push({ type: 'image', src: tail.href, alt: inlineText(children) });
    else this.tokens.push({ type: 'link', href: tail.href, children });
    return tail.end;
  }

  private scanDelimiterRun(index: number): number {
    const character = this.source[index] as DelimiterRun['character'];
    let end = index;
    while (this.source[end] === character) end++;
    if (character === '~' && end - index !== 2) return this.literal(index, end - index);

    const run = createDelimiterRun(character, end - index, this.source[index - 1], this.source[end], this.runCount++);
    run.previous = this.lastRun;
    if (this.lastRun) this.lastRun.next = run;
    else this.firstRun = run;
    this.lastRun = run;
    this.tokens.push(run);
    return end;
  }
}
