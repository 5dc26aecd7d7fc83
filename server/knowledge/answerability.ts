/**
 * Whether the passages a knowledge search found answer the question (docs/architecture.md §12):
 * the offline personas quote them when they do and say "the knowledge says nothing about it" when
 * they do not; bench/knowledge.ts measures this same rule.
 *
 * The signal is each passage's coverage (`KnowledgePassage.coverage`): the share of the question's
 * information the passage holds, each word weighed by how rare it is in the knowledge (BM25's
 * idf). A word the knowledge never uses weighs most; `bike` in half the chunks, little. What share
 * is enough depends on what the question asks:
 *
 * - A **polar** question ("Do you ship to Germany?", "Is the battery covered?") asks whether a
 *   statement holds. A passage answers it only by stating it, so it must hold most of the
 *   statement's information: at least half. A passage that shares only the commonest half
 *   (`ship`, without `Germany`) is about something else, and quoting it would read as a "yes". The
 *   knowledge does not list what the shop does not do, so "it says nothing" is the honest answer.
 * - A **content** question ("How heavy is the folding one?") asks for a value about a topic, and
 *   names the value in the asker's words, which are often not the site's (`heavy` for `weighs`,
 *   `guarantee` for `warranty`): a missing word there is as likely a paraphrase as a missing
 *   topic. Any passage sharing its words answers it (the search ranked the topic's passage first).
 *
 * Neither threshold was fitted to the benchmark's questions: a half is "more of the statement found
 * than missing", and docs/benchmarks.md measures the rule on questions written before it.
 */

/** The share of a polar question's information a passage must hold to answer it. */
export const POLAR_COVERAGE = 0.5;

export const QUESTION_FORM = { polar: 'polar', content: 'content' } as const;
export type QuestionForm = (typeof QUESTION_FORM)[keyof typeof QUESTION_FORM];

/** Verbs that open a yes/no question in English ("Do you…", "Is there…", "Can I…"). */
const AUXILIARIES = new Set(
  `do does did is are was were am can could will would shall should may might must have has had
  don't doesn't isn't aren't can't won't`.split(/\s+/),
);
/** Words before the question proper: "And do you…", "Hi, can I…", "So is it…". */
const OPENERS = new Set(
  'and so but also then well ok okay hi hello hey please sorry oh'.split(/\s+/),
);

/** The sentence of `text` that asks: its first ending in `?`, else its first. */
function askedSentence(text: string): string {
  const sentences = text.trim().split(/(?<=[.!?])\s+/);
  return sentences.find((sentence) => sentence.endsWith('?')) ?? sentences[0] ?? '';
}

/**
 * The form of the question in `text`: its asked sentence is polar when it opens with an auxiliary
 * verb.
 * @example
 * questionForm('Do you ship to Germany?'); // 'polar'
 * questionForm('Thanks! How long is the warranty?'); // 'content'
 */
export function questionForm(text: string): QuestionForm {
  const words = (
    askedSentence(text)
      .toLowerCase()
      .replace(/’/g, "'")
      .match(/[\p{L}']+/gu) ?? []
  ).filter((word, index, all) => !all.slice(0, index + 1).every((before) => OPENERS.has(before)));
  return AUXILIARIES.has(words[0] ?? '') ? QUESTION_FORM.polar : QUESTION_FORM.content;
}

/**
 * What to search the knowledge for, to answer `text`: a polar question's asked sentence (the
 * statement the rule judges: "Hi! Do you have cargo bikes? A table would help." is about cargo
 * bikes, not tables), else the whole message (a content question's other sentences add its topic:
 * "What is your number? I want to call you.").
 * @example
 * knowledgeQuery('Hi! Do you have cargo bikes? A table of prices would help.'); // 'Do you have cargo bikes?'
 */
export function knowledgeQuery(text: string): string {
  return questionForm(text) === QUESTION_FORM.polar ? askedSentence(text) : text;
}

/**
 * Whether passages with these `coverages` (one per passage found) answer `question`: never when
 * none was found; a polar question when the best holds at least {@link POLAR_COVERAGE} of its
 * information; a content question when any passage shares its words.
 * @example
 * answersQuestion('Do you sell electric scooters?', [0.36]); // false: `scooters` is nowhere
 * answersQuestion('Can I return a bike?', [1, 0.2]); // true
 */
export function answersQuestion(question: string, coverages: readonly number[]): boolean {
  if (coverages.length === 0) return false;
  const best = Math.max(...coverages);
  return questionForm(question) === QUESTION_FORM.polar ? best >= POLAR_COVERAGE : best > 0;
}
