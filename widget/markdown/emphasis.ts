/**
 * Emphasis (`*a*`, `_a_`), strong (`**a**`, `__a__`) and strikethrough (`~~a~~`): CommonMark's
 * "process emphasis" algorithm over the runs of `*`, `_` and `~` the inline scanner found, then
 * one pass that turns the flat token list into a tree.
 *
 * The openers-bottom bound keeps matching linear: a closer never searches again below the point
 * where an earlier closer of the same kind found nothing. Unmatched runs stay literal text, so an
 * unclosed `**` (a message still streaming) simply shows as `**`.
 */
import { MARKDOWN_LIMITS, type InlineNode } from './markdown-ast.ts';

type EmphasisType = 'emphasis' | 'strong' | 'strikethrough';

/** A run of `*`, `_` or `~` (only `~~` counts), linked to its neighbours for matching. */
export interface DelimiterRun {
  type: 'delimiter';
  character: '*' | '_' | '~';
  /** Characters not yet used by a match. */
  length: number;
  originalLength: number;
  canOpen: boolean;
  canClose: boolean;
  /** Order among the runs of one scan, for the openers-bottom bound. */
  position: number;
  /** Matches this run opens (inner first) and closes (inner first). */
  opens: EmphasisType[];
  closes: EmphasisType[];
  previous: DelimiterRun | null;
  next: DelimiterRun | null;
}

/** What the inline scanner emits: finished nodes, and delimiter runs still to be matched. */
export type InlineToken = InlineNode | DelimiterRun;

const PUNCTUATION = /[\p{P}\p{S}]/u;
const WHITESPACE = /\s/u;

/**
 * A delimiter run of `length` characters, given the characters just before and after it
 * (`undefined` at the start or end of the text, which counts as whitespace). The flanking rules
 * are CommonMark's: `_` does not open or close inside a word, so `snake_case_name` stays as is.
 */
export function createDelimiterRun(
  character: DelimiterRun['character'],
  length: number,
  before: string | undefined,
  after: string | undefined,
  position: number,
): DelimiterRun {
  const beforeIsSpace = before === undefined || WHITESPACE.test(before);
  const afterIsSpace = after === undefined || WHITESPACE.test(after);
  const beforeIsPunctuation = before !== undefined && PUNCTUATION.test(before);
  const afterIsPunctuation = after !== undefined && PUNCTUATION.test(after);
  const leftFlanking = !afterIsSpace && (!afterIsPunctuation || beforeIsSpace || beforeIsPunctuation);
  const rightFlanking = !beforeIsSpace && (!beforeIsPunctuation || afterIsSpace || afterIsPunctuation);
  const isUnderscore = character === '_';
  return {
    type: 'delimiter',
    character,
    length,
    originalLength: length,
    canOpen: leftFlanking && (!isUnderscore || !rightFlanking || beforeIsPunctuation),
    canClose: rightFlanking && (!isUnderscore || !leftFlanking || afterIsPunctuation),
    position,
    opens: [],
    closes: [],
    previous: null,
    next: null,
  };
}

function canMatch(opener: DelimiterRun, closer: DelimiterRun): boolean {
  if (opener.character !== closer.character || !opener.canOpen || opener.length === 0) return false;
  if (closer.character === '~') return opener.length === closer.length;
  // The "rule of 3": `*foo**bar*` is one emphasis, not a strong inside a broken one.
  const eitherIsBoth = opener.canClose || closer.canOpen;
  const sum = opener.originalLength + closer.originalLength;
  return !(eitherIsBoth && sum % 3 === 0 && (opener.originalLength % 3 !== 0 || closer.originalLength % 3 !== 0));
}

function unlink(run: DelimiterRun): void {
  if (run.previous) run.previous.next = run.next;
  if (run.next) run.next.previous = run.previous;
}

/** Pairs openers with closers, recording the result in each run's `opens` and `closes`. */
export function matchDelimiters(first: DelimiterRun | null): void {
  const openersBottom = new Map<string, number>();
  let closer = first;
  while (closer) {
    if (!closer.canClose || closer.length === 0) {
      closer = closer.next;
      continue;
    }
    const key = `${closer.character}${closer.canOpen ? 1 : 0}${closer.originalLength % 3}`;
    const bottom = openersBottom.get(key) ?? -1;
    let opener = closer.previous;
    while (opener && opener.position > bottom && !canMatch(opener, closer)) opener = opener.previous;

    if (opener && opener.position > bottom) {
      const bothLong = opener.length >= 2 && closer.length >= 2;
      const used = closer.character === '~' || bothLong ? 2 : 1;
      const type: EmphasisType = closer.character === '~' ? 'strikethrough' : used === 2 ? 'strong' : 'emphasis';
      opener.opens.push(type);
      closer.closes.push(type);
      opener.length -= used;
      closer.length -= used;
      // Runs between the pair can no longer match anything: they stay literal text.
      opener.next = closer;
      closer.previous = opener;
      if (opener.length === 0) unlink(opener);
      if (closer.length === 0) {
        unlink(closer);
        closer = closer.next;
      }
    } else {
      openersBottom.set(key, closer.previous?.position ?? -1);
      const next: DelimiterRun | null = closer.next;
      if (!closer.canOpen) unlink(closer);
      closer = next;
    }
  }
}

function markerOf(character: DelimiterRun['character'], type: EmphasisType): string {
  return type === 'emphasis' ? character : character.repeat(2);
}

/** Appends text, merging it into a preceding text node. */
export function appendText(nodes: InlineNode[], text: string): void {
  if (text === '') return;
  const last = nodes[nodes.length - 1];
  if (last?.type === 'text') last.text += text;
  else nodes.push({ type: 'text', text });
}

/**
 * Turns the matched token list into a tree. Pairs nested deeper than the limit (counting
 * `baseDepth`, the nesting of links around this text) stay as their literal markers.
 */
export function buildInlineTree(tokens: readonly InlineToken[], baseDepth: number): InlineNode[] {
  const root: InlineNode[] = [];
  /** Open containers; `literal` is set for a pair kept as text because it nests too deep. */
  const stack: { children: InlineNode[]; literal: string | null }[] = [{ children: root, literal: null }];
  const current = (): InlineNode[] => stack[stack.length - 1]?.children ?? root;

  for (const token of tokens) {
    if (token.type !== 'delimiter') {
      if (token.type === 'text') appendText(current(), token.text);
      else current().push(token);
      continue;
    }
    for (const type of token.closes) {
      const closing = stack.length > 1 ? stack.pop() : undefined;
      if (!closing || closing.literal !== null) appendText(current(), markerOf(token.character, type));
    }
    appendText(current(), token.character.repeat(token.length));
    for (const type of [...token.opens].reverse()) {
      if (stack.length + baseDepth > MARKDOWN_LIMITS.maxInlineDepth) {
        const marker = markerOf(token.character, type);
        appendText(current(), marker);
        stack.push({ children: current(), literal: marker });
      } else {
        const node: InlineNode = { type, children: [] };
        current().push(node);
        stack.push({ children: node.children, literal: null });
      }
    }
  }
  return root;
}
