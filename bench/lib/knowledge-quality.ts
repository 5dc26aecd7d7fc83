/**
 * The knowledge benchmark's quality measure (bench/knowledge.ts): each question searched the way
 * an offline persona searches, and judged by the persona's own refusal rule.
 */
import { knowledgeQuery } from '../../server/knowledge/answerability.ts';
import {
  knowledgeAnswers,
  type FoundPassage,
} from '../../server/providers/offline/knowledge-answers.ts';
import { readQuestion } from '../../server/providers/offline/question-reading.ts';
import type { Knowledge, KnowledgePassage } from '../../server/store/knowledge.ts';

/** One entry of bench/knowledge-questions.json; `expected` is null when nothing answers it. */
export interface BenchQuestion {
  id: string;
  question: string;
  paraphrased: boolean;
  /** Written before the answerability rule and never tuned on: reported apart. */
  heldOut?: boolean;
  expected: { source: string; heading?: string } | null;
}

export interface Quality {
  answerable: number;
  unanswerable: number;
  /** Answerable questions that avoid the documents' words. */
  paraphrased: number;
  top1: number;
  top3: number;
  paraphrasedTop3: number;
  sectionTop3: number;
  refused: number;
  wronglyRefused: number;
  misses: { id: string; question: string; got: string[]; refused: boolean }[];
}

/** The persona's view of a passage (as `readPassages` reads it from the tool's result). */
const found = (passage: KnowledgePassage): FoundPassage => ({
  title: passage.title,
  source: passage.source,
  url: passage.url,
  text: passage.content,
  coverage: passage.coverage,
});

/** Hit rates and refusals over `questions`, searching `limit` passages each. */
export async function measureQuality(
  knowledge: Knowledge,
  questions: readonly BenchQuestion[],
  limit: number,
): Promise<Quality> {
  const quality: Quality = {
    answerable: 0,
    unanswerable: 0,
    paraphrased: 0,
    top1: 0,
    top3: 0,
    paraphrasedTop3: 0,
    sectionTop3: 0,
    refused: 0,
    wronglyRefused: 0,
    misses: [],
  };
  for (const item of questions) {
    const question = readQuestion(item.question);
    const passages =
      question.terms.length > 0
        ? await knowledge.search(knowledgeQuery(question.text), limit)
        : undefined;
    const refused = !passages || !knowledgeAnswers(question, passages.map(found));
    const sources = (passages ?? []).map((passage) => passage.source);
    const got = (passages ?? []).map((passage) => `${passage.source} › ${passage.title}`);
    if (!item.expected) {
      quality.unanswerable += 1;
      if (refused) quality.refused += 1;
      else quality.misses.push({ id: item.id, question: item.question, got, refused });
      continue;
    }
    const expected = item.expected;
    quality.answerable += 1;
    if (item.paraphrased) quality.paraphrased += 1;
    const top3 = sources.slice(0, 3).includes(expected.source);
    if (sources[0] === expected.source) quality.top1 += 1;
    if (top3) quality.top3 += 1;
    if (top3 && item.paraphrased) quality.paraphrasedTop3 += 1;
    if (
      (passages ?? [])
        .slice(0, 3)
        .some(
          (passage) =>
            passage.source === expected.source &&
            (expected.heading === undefined ||
              passage.title === expected.heading ||
              passage.title.endsWith(` › ${expected.heading}`)),
        )
    )
      quality.sectionTop3 += 1;
    if (refused) quality.wronglyRefused += 1;
    if (!top3 || refused)
      quality.misses.push({ id: item.id, question: item.question, got, refused });
  }
  return quality;
}

/** The quality columns of the bench's tables. */
export const QUALITY_HEADERS = [
  'top-1',
  'top-3',
  'paraphrased top-3',
  'section top-3',
  'unanswerable refused',
  'answerable refused',
] as const;

/** A share with its counts, e.g. `90.5% (38/42)`; `–` when there is nothing to count. */
export function shareOf(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)}% (${part}/${whole})`;
}

/** The cells under {@link QUALITY_HEADERS} for `quality`. */
export function qualityCells(quality: Quality): string[] {
  return [
    shareOf(quality.top1, quality.answerable),
    shareOf(quality.top3, quality.answerable),
    shareOf(quality.paraphrasedTop3, quality.paraphrased),
    shareOf(quality.sectionTop3, quality.answerable),
    shareOf(quality.refused, quality.unanswerable),
    shareOf(quality.wronglyRefused, quality.answerable),
  ];
}
