import type { Message } from '../../protocol/room.ts';
import { shortenText } from '../../protocol/text.ts';

/**
 * Writes a room's session summary when the room goes quiet: the seam a model-backed summarizer
 * would implement. `messages` are the session's, oldest first; `previous` is the room's last
 * summary (its still-open points may carry over). Every message is untrusted text.
 */
export interface Summarizer {
  summarize(messages: readonly Message[], previous: string | null): Promise<string>;
}

/** The most characters a summary has (it goes into every agent's system prompt). */
export const SUMMARY_MAX_CHARS = 1500;
const ITEM_MAX_CHARS = 200;
const NAME_MAX_CHARS = 40;
const ITEMS_PER_SECTION = 8;

const SECTIONS = {
  decisions: 'Decisions:',
  questions: 'Open questions:',
  proposals: 'Proposals:',
} as const;
const PROPOSAL =
  /\b(i suggest|i propose|how about|we could|what if we|maybe we should|why don'?t we)\b/i;
const DECISION =
  /\b(let'?s|let us|we'?ll|we will|decided|agreed|we are going with|we're going with)\b/i;
const STOP_WORDS = new Set([
  'what',
  'when',
  'where',
  'which',
  'while',
  'with',
  'would',
  'could',
  'should',
  'there',
  'their',
  'this',
  'that',
  'these',
  'those',
  'have',
  'does',
  'about',
  'from',
  'your',
  'they',
  'them',
  'will',
  'been',
  'were',
  'into',
  'than',
  'then',
  'also',
  'just',
  'like',
  'some',
]);

interface Item {
  author: string;
  text: string;
}

/**
 * The default summarizer: offline and deterministic, no key needed. Extracts decisions
 * ("let's", "we'll", "decided", "agreed"), proposals with who made them ("I suggest", "how
 * about", "we could", "I propose") and questions nobody answered later (no reply to them and no
 * later message from someone else sharing half their key words), and carries over the previous
 * summary's open questions that this session did not answer. Plain text, one item a line, each
 * item the author's name and their words on one line (so no message can start a line of its
 * own), at most {@link SUMMARY_MAX_CHARS} characters.
 * @example const summary = await offlineSummarizer.summarize(messages, previousSummary);
 */
export const offlineSummarizer: Summarizer = {
  summarize(messages, previous) {
    return Promise.resolve(summarizeOffline(messages, previous));
  },
};

function summarizeOffline(messages: readonly Message[], previous: string | null): string {
  const spoken = messages.filter(
    (message) => message.author.kind !== 'system' && message.content.trim() !== '',
  );
  const decisions: Item[] = [];
  const proposals: Item[] = [];
  const questions: Item[] = [];
  spoken.forEach((message, index) => {
    const author = oneLine(message.author.name, NAME_MAX_CHARS) || 'Someone';
    const later = spoken.slice(index + 1).filter((other) => other.author.id !== message.author.id);
    for (const sentence of sentencesOf(message.content)) {
      const item = { author, text: oneLine(sentence, ITEM_MAX_CHARS) };
      if (PROPOSAL.test(sentence)) proposals.push(item);
      else if (sentence.endsWith('?')) {
        if (
          !later.some((other) => other.replyTo === message.id || answers(other.content, sentence))
        )
          questions.push(item);
      } else if (DECISION.test(sentence)) decisions.push(item);
    }
  });
  const carried = openQuestionsOf(previous).filter(
    (line) =>
      !spoken.some((message) => answers(message.content, line.slice(line.indexOf(': ') + 2))),
  );

  const names = [
    ...new Set(spoken.map((message) => oneLine(message.author.name, NAME_MAX_CHARS) || 'Someone')),
  ];
  const lines = [
    `Session of ${spoken.length} message${spoken.length === 1 ? '' : 's'} from ${names.join(', ') || 'nobody'}.`,
  ];
  const section = (title: string, items: string[]) => {
    if (items.length > 0) lines.push(title, ...items.slice(-ITEMS_PER_SECTION));
  };
  const format = (items: Item[]) => items.map((item) => `- ${item.author}: ${item.text}`);
  section(SECTIONS.decisions, format(decisions));
  section(SECTIONS.questions, [
    ...carried.map((line) => `${line} (still open)`),
    ...format(questions),
  ]);
  section(SECTIONS.proposals, format(proposals));
  if (lines.length === 1) lines.push('No decisions, open questions or proposals.');
  return capLines(lines, SUMMARY_MAX_CHARS);
}

/** Sentences of a message: split at line breaks and after `.`, `!` or `?`. */
function sentencesOf(content: string): string[] {
  return content
    .split(/\n+|(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

/** Untrusted text made one plain line: control characters and line breaks become spaces. */
export function oneLine(text: string, maxChars: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, ' ').trim();
  return shortenText(flat, maxChars);
}

function keyWords(text: string): Set<string> {
  return new Set(
    (text.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? []).filter((word) => !STOP_WORDS.has(word)),
  );
}

/** Whether `reply` shares at least half of `question`'s key words (at least one). */
function answers(reply: string, question: string): boolean {
  const wanted = keyWords(question);
  if (wanted.size === 0) return false;
  const said = keyWords(reply);
  const shared = [...wanted].filter((word) => said.has(word)).length;
  return shared >= Math.max(1, Math.ceil(wanted.size / 2));
}

/** The item lines of a previous summary's "Open questions" section, without the carry-over mark. */
function openQuestionsOf(previous: string | null): string[] {
  if (!previous) return [];
  const lines = previous.split('\n');
  const start = lines.indexOf(SECTIONS.questions);
  if (start === -1) return [];
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('- ')) break;
    items.push(line.replace(/ \(still open\)$/, ''));
  }
  return items;
}

/** Whole lines up to `maxChars`; a line that does not fit ends the text with an ellipsis line. */
export function capLines(lines: string[], maxChars: number): string {
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (length + line.length + 1 > maxChars - 2) {
      kept.push('…');
      break;
    }
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}
