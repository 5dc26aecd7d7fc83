/**
 * From `search_knowledge` results to the `source` parts a reply cites (docs/architecture.md §12).
 * Offline personas choose their own (the passages they quote); for a model-backed reply the run
 * cites the passages found during the reply that its final text names, see {@link citedSources}.
 */
import { shortenText } from '../../protocol/text.ts';
import type { SourcePart } from '../../protocol/room.ts';
import { isRecord } from '../lib/is-record.ts';

/** A passage as `search_knowledge` returns it (server/tools/search-knowledge.tool.ts). */
export interface FoundPassage {
  title: string;
  source: string;
  url: string | null;
  text: string;
  /** The share of the question's information it holds (`KnowledgePassage.coverage`), when given. */
  coverage?: number;
}

/** At most this many citations under one reply: more is noise, not evidence. */
export const MAX_SOURCES = 3;
/** A model-backed reply's quote: the opening of the passage it read, cut to this length. */
const QUOTE_CHARACTERS = 240;

/**
 * The passages in a `search_knowledge` result as the tool turn carries it (`{ result: { passages } }`
 * as JSON, or the bare result), or undefined when the content is not one (an error, another tool's).
 */
export function readPassages(content: string): FoundPassage[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content) as unknown;
  } catch {
    return undefined;
  }
  return passagesIn(value);
}

/** The passages in a `search_knowledge` outcome already parsed (`{ result: { passages } }`, or the bare result). */
export function passagesIn(value: unknown): FoundPassage[] | undefined {
  const result = isRecord(value) && 'result' in value ? value.result : value;
  if (!isRecord(result) || !Array.isArray(result.passages)) return undefined;
  return result.passages.filter(isRecord).flatMap((passage) =>
    typeof passage.text === 'string' && typeof passage.source === 'string'
      ? [
          {
            title: typeof passage.title === 'string' ? passage.title : passage.source,
            source: passage.source,
            url: typeof passage.url === 'string' ? passage.url : null,
            text: passage.text,
            ...(typeof passage.coverage === 'number' ? { coverage: passage.coverage } : {}),
          },
        ]
      : [],
  );
}

/** `passage` cited with `quote`. */
export function sourcePart(passage: FoundPassage, quote: string): SourcePart {
  return { type: 'source', title: passage.title, url: passage.url, path: passage.source, quote };
}

/**
 * The sources of a model-backed reply: the passages its searches found (in rank order, search by
 * search) that `text` names — by a heading of the passage's title (the document's, "Commuter 8 E",
 * or the section's, "Returns"), its file path, or its URL when no other document found shares it
 * (a page holding several documents says nothing about which one was used). One per document (its
 * best-ranked passage named), at most {@link MAX_SOURCES}. A passage found but not named is not
 * cited: the search ran, but nothing shows the answer rests on it, and a citation must not claim
 * more than the text does.
 * @example
 * citedSources([{ title: 'Fold 3', source: 'bikes/fold-3.md', url: null, text: '…' }], 'The Fold 3 folds.');
 * // [{ type: 'source', title: 'Fold 3', url: null, path: 'bikes/fold-3.md', quote: '…' }]
 */
export function citedSources(passages: readonly FoundPassage[], text: string): SourcePart[] {
  const documentsAt = new Map<string, Set<string>>();
  for (const { url, source } of passages)
    if (url) documentsAt.set(url, (documentsAt.get(url) ?? new Set()).add(source));
  const byName = new Map<string, number[]>();
  passages.forEach((passage, index) => {
    const names = [
      ...passage.title.split('›'),
      passage.source,
      ...(passage.url && documentsAt.get(passage.url)?.size === 1 ? [passage.url] : []),
    ];
    for (const name of new Set(names.map((each) => each.trim().toLowerCase())))
      if (name.length >= 3) byName.set(name, [...(byName.get(name) ?? []), index]);
  });
  // Longest names first, each occurrence blanked once found: "Commuter 8 E" is not also "Commuter 8".
  let rest = text.toLowerCase();
  const named = new Set<number>();
  for (const name of [...byName.keys()].sort((left, right) => right.length - left.length)) {
    const blanked = blankWholeWords(rest, name);
    if (blanked === rest) continue;
    rest = blanked;
    for (const index of byName.get(name) ?? []) named.add(index);
  }
  const cited = new Map<string, SourcePart>();
  passages.forEach((passage, index) => {
    if (named.has(index) && !cited.has(passage.source) && cited.size < MAX_SOURCES)
      cited.set(
        passage.source,
        sourcePart(passage, shortenText(passage.text.trim(), QUOTE_CHARACTERS)),
      );
  });
  return [...cited.values()];
}

/** `haystack` with every whole-word occurrence of `name` blanked ("Fold 3", not in "Fold 30"). */
function blankWholeWords(haystack: string, name: string): string {
  let result = haystack;
  for (let at = result.indexOf(name); at !== -1; at = result.indexOf(name, at + 1)) {
    const before = result[at - 1] ?? ' ';
    const after = result[at + name.length] ?? ' ';
    if (!WORD.test(before) && !WORD.test(after))
      result = result.slice(0, at) + ' '.repeat(name.length) + result.slice(at + name.length);
  }
  return result;
}

const WORD = /[\p{L}\p{N}]/u;
