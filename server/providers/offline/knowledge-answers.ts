/**
 * Offline answers from the site's knowledge (docs/architecture.md §12): after a
 * `search_knowledge` call, the persona answers extractively, quoting the sentences of the best
 * passages that share the most words with the question, and cites each passage's source. When the
 * search found nothing, it says so plainly and does not make an answer up.
 */
import type { SourcePart } from '../../../protocol/room.ts';
import { answersQuestion } from '../../knowledge/answerability.ts';
import { sourcePart, type FoundPassage } from '../../knowledge/citations.ts';
import { list, table } from './markdown-writing.ts';
import type { Question } from './question-reading.ts';

export { readPassages, type FoundPassage } from '../../knowledge/citations.ts';

/**
 * Whether a search's passages answer `question`: the persona quotes them when they do and
 * refuses ("nothing found") when they do not, by the rule of server/knowledge/answerability.ts.
 * A passage without a coverage (a result from an older search) counts as holding the question.
 * bench/knowledge.ts measures this same function.
 */
export function knowledgeAnswers(question: Question, passages: readonly FoundPassage[]): boolean {
  return answersQuestion(
    question.text,
    passages.map((passage) => passage.coverage ?? 1),
  );
}

/** A word's comparable stem: lower case, the first five letters. */
function stem(word: string): string {
  return word.toLowerCase().slice(0, 5);
}

/** Sentences of `passage` with a score: how many of the question's words they share. */
function scoredSentences(passage: FoundPassage, stems: Set<string>) {
  return passage.text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z0-9€])/)
    .map((text, index) => ({
      text: text.trim(),
      index,
      score: new Set(
        (text.match(/[\p{L}\p{N}]{3,}/gu) ?? []).map(stem).filter((word) => stems.has(word)),
      ).size,
    }))
    .filter((sentence) => sentence.text !== '');
}

/** The quotes an answer is built from: at most two sentences from each of the two best passages. */
export function bestQuotes(
  question: Question,
  passages: readonly FoundPassage[],
): { passage: FoundPassage; quote: string }[] {
  const stems = new Set(
    question.terms.flatMap((term) => term.match(/[\p{L}\p{N}]{3,}/gu) ?? []).map(stem),
  );
  return passages.slice(0, 2).map((passage) => {
    const sentences = scoredSentences(passage, stems);
    const chosen = [...sentences]
      .sort((left, right) => right.score - left.score || left.index - right.index)
      .slice(0, 2)
      .sort((left, right) => left.index - right.index);
    return { passage, quote: chosen.map((sentence) => sentence.text).join(' ') };
  });
}

/** What each voice says when the knowledge has no answer; its general answer may follow. */
export function noKnowledge(handle: string, question: Question): string {
  const about = question.terms.slice(0, 3).join(', ') || 'this';
  if (handle === 'scout') return `Searched the site's knowledge for ${about}: no passage found.`;
  if (handle === 'critic')
    return `The site's knowledge says nothing about ${about}, so anything below is general reasoning, not the shop's answer.`;
  return `I looked in the site's knowledge and found nothing about ${about}, so I can't answer that from it. What I can offer is general advice:`;
}

/**
 * The extractive answer, in the voice of `handle` (`sage`, `scout`, `critic` or another), and its
 * sources: one `source` part per passage quoted, with the sentences quoted. The text names no
 * sources of its own: the parts carry them (docs/decisions.md, "Citations are parts, not text").
 */
export function knowledgeAnswer(
  handle: string,
  question: Question,
  passages: readonly FoundPassage[],
): { text: string; sources: SourcePart[] } {
  const quotes = bestQuotes(question, passages);
  const sources = quotes.map(({ passage, quote }) => sourcePart(passage, quote));
  return { text: answerText(handle, quotes), sources };
}

function answerText(handle: string, quotes: ReturnType<typeof bestQuotes>): string {
  if (handle === 'scout')
    return [
      'From the site’s knowledge:',
      table(
        ['Fact', 'Source'],
        quotes.map(({ passage, quote }) => [quote, passage.title]),
      ),
    ].join('\n\n');
  if (handle === 'critic') {
    const [first, ...rest] = quotes;
    return [
      `The site’s knowledge says: “${first?.quote ?? ''}”`,
      list(
        [
          ...rest.map(({ quote }) => `It also says “${quote}”`),
          'What it does not say is whether this fits your case: check the conditions before you rely on it.',
        ],
        true,
      ),
    ].join('\n\n');
  }
  const [first, ...rest] = quotes;
  return [
    first?.quote ?? '',
    rest.length > 0
      ? list(rest.map(({ passage, quote }) => `**${passage.title}**: ${quote}`))
      : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** What the persona says before it searches the knowledge. */
export function knowledgePreface(handle: string): string {
  if (handle === 'scout') return 'Searching the site’s knowledge.';
  if (handle === 'critic') return 'Let’s see what the site actually says, rather than assume.';
  return 'Let me check what the site says about that.';
}
