/**
 * What the offline personas understand of a transcript: who they are, who is speaking, names
 * people gave, @mentions and handoff requests, and which tool a message asks for. Plain pattern
 * matching, deterministic and fast; good enough for a demo and for tests, never a language model.
 *
 * Why one file: each reading is a few lines of patterns over the same tokenised transcript, and
 * the offline personas use all of them together.
 */
import { shortenText } from '../../../protocol/text.ts';
import type { ChatToolSpec, ChatTurn } from '../chat-model.ts';

export type UserTurn = Extract<ChatTurn, { role: 'user' }>;

/** A tool call the persona decided to make. */
export interface ToolIntent {
  name: 'calculator' | 'current_time' | 'search_room_history' | 'search_knowledge';
  args: Record<string, string>;
}

/**
 * The persona's own name and handle from a system prompt containing `You are <Name> (@handle)`.
 * @example
 * readOwnIdentity('You are Sage (@sage), a patient explainer.'); // { name: 'Sage', handle: 'sage' }
 */
export function readOwnIdentity(system: string): { name?: string; handle?: string } {
  const match = /You are ([^(\n]+?)\s*\(@([\w-]+)\)/.exec(system);
  if (!match) return {};
  return { name: match[1]?.trim(), handle: match[2]?.toLowerCase() };
}

/**
 * The handles @mentioned in `text`, lower-cased, in order, without repeats.
 * @example
 * findMentions('@Sage ask @critic, then @sage again'); // ['sage', 'critic']
 */
export function findMentions(text: string): string[] {
  const handles: string[] = [];
  for (const match of text.matchAll(/(?<![\w@])@([A-Za-z0-9_-]+)/g)) {
    const handle = match[1]?.toLowerCase();
    if (handle && !handles.includes(handle)) handles.push(handle);
  }
  return handles;
}

/**
 * `text` without the mentions it opens with ("@sage, …") and with every other `@handle` turned into
 * a plain `handle`: what the message says, whoever it is addressed to.
 * @example
 * plainText('@sage, what does @critic think?'); // 'what does critic think?'
 */
export function plainText(text: string): string {
  return withoutMentionSigns(text.replace(LEADING_MENTIONS, '')).trim();
}

const LEADING_MENTIONS = /^(?:\s*@[A-Za-z0-9_-]+[,:]?)+\s*/;

/**
 * `text` with every `@handle` turned into a plain `handle`, so quoting it never mentions anyone.
 * @example
 * withoutMentionSigns('thanks @critic'); // 'thanks critic'
 */
export function withoutMentionSigns(text: string): string {
  return text.replace(/(?<![\w@])@([A-Za-z0-9_-]+)/g, '$1');
}

const INVOLVE_WORDS =
  /\b(ask|asking|involve|loop in|bring in|hand(?:\s|-)?off|hand (?:it |this )?over|pass (?:it |this )?(?:on )?to|check with|consult|invite|get|let|what (?:does|do|would|did|about)|how about|thoughts?|opinion|take|weigh in|think|agree|review)\b/i;

/**
 * The other agents the message asks this persona to involve: handles mentioned next to words like
 * "ask", "what does … think" or "opinion". Only when the message is addressed to this persona (its
 * handle comes first) or to no one in particular; never the persona's own handle.
 * @example
 * handoffTargets('@sage ask @critic what they think', 'sage'); // ['critic']
 * handoffTargets('@sage what does @critic think?', 'critic'); // [] (Critic is the one asked about)
 * handoffTargets('@sage and @critic: hello!', 'sage'); // []
 */
export function handoffTargets(text: string, ownHandle: string): string[] {
  const mentions = findMentions(text);
  if (mentions.includes(ownHandle) && mentions[0] !== ownHandle) return [];
  const others = mentions.filter((handle) => handle !== ownHandle);
  if (others.length === 0 || !INVOLVE_WORDS.test(text)) return [];
  return others;
}

/**
 * The last `user` turn, which the persona answers (a tool loop or its own earlier reply may follow it).
 * @example
 * findLastUserTurn([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }]); // { turn: { role: 'user', … }, index: 0 }
 */
export function findLastUserTurn(
  turns: readonly ChatTurn[],
): { turn: UserTurn; index: number } | undefined {
  for (let index = turns.length - 1; index >= 0; index -= 1) {
    const turn = turns[index];
    if (turn?.role === 'user') return { turn, index };
  }
  return undefined;
}

const NAME_PATTERNS = [
  /\bmy name(?:'s|’s| is)\s+([\p{L}][\p{L}'’-]*)/iu,
  /\b(?:call me|name's)\s+([\p{L}][\p{L}'’-]*)/iu,
  // Capitalised only, so "I'm tired" is not a name but "I'm Lucky" is.
  /\bI(?:'m|’m| am)\s+(\p{Lu}[\p{L}'’-]*)/u,
];
const NOT_NAMES = new Set([
  'what',
  'not',
  'sorry',
  'sure',
  'here',
  'back',
  'just',
  'so',
  'also',
  'fine',
  'good',
  'the',
  'a',
  'an',
  'in',
  'on',
  'at',
  'going',
  'still',
  'new',
  'ok',
  'okay',
]);

/**
 * The name a message introduces its speaker by ("My name is Lucky", "I'm Lucky", "call me Lucky").
 * @example
 * introducedName('Hi! My name is lucky.'); // 'Lucky'
 * introducedName("I'm tired"); // undefined
 */
export function introducedName(text: string): string | undefined {
  for (const pattern of NAME_PATTERNS) {
    const word = pattern.exec(text)?.[1]?.replace(/['’-]+$/, '');
    if (word && !NOT_NAMES.has(word.toLowerCase()))
      return word.charAt(0).toUpperCase() + word.slice(1);
  }
  return undefined;
}

/**
 * The name the speaker of turn `beforeIndex` gave earlier: the latest introduction by the same
 * speaker (same `name`, or both unnamed).
 * @example
 * rememberedName([{ role: 'user', content: 'I am Lucky' }, { role: 'user', content: 'Who am I?' }], 1, undefined); // 'Lucky'
 */
export function rememberedName(
  turns: readonly ChatTurn[],
  beforeIndex: number,
  speaker: string | undefined,
): string | undefined {
  for (let index = beforeIndex - 1; index >= 0; index -= 1) {
    const turn = turns[index];
    if (turn?.role !== 'user' || turn.name !== speaker) continue;
    const name = introducedName(turn.content);
    if (name) return name;
  }
  return undefined;
}

/**
 * True for "What is my name?", "Who am I?", "Do you remember my name?".
 * @example
 * asksForOwnName('Do you remember my name?'); // true
 */
export function asksForOwnName(text: string): boolean {
  return /\b(what(?:'s|’s| is) my name|who am i\b|(?:do you )?(?:know|remember) my name|my name again)/i.test(
    text,
  );
}

/**
 * True for "Who are you?", "What's your name?", "Introduce yourself.".
 * @example
 * asksWhoYouAre("What's your name?"); // true
 */
export function asksWhoYouAre(text: string): boolean {
  return /\b(who are you|what(?:'s|’s| is) your name|introduce yourself)/i.test(text);
}

/**
 * The latest remark by someone other than `speaker` before turn `beforeIndex`.
 * @example
 * latestRemarkByOthers(turns, turns.length - 1, 'Ada'); // { speaker: 'Bob', text: 'Use Postgres.', index: 3 }
 */
export function latestRemarkByOthers(
  turns: readonly ChatTurn[],
  beforeIndex: number,
  speaker: string | undefined,
): { speaker: string; text: string; index: number } | undefined {
  for (let index = beforeIndex - 1; index >= 0; index -= 1) {
    const turn = turns[index];
    if (turn?.role === 'user' && turn.name && turn.name !== speaker && turn.content.trim() !== '') {
      return { speaker: turn.name, text: turn.content, index };
    }
  }
  return undefined;
}

/**
 * The tool the message asks for, if that tool is offered: arithmetic → `calculator`, the time or
 * date → `current_time`, searching the room → `search_room_history`.
 * @example
 * detectToolIntent('what is 12*7?', [calculatorSpec]); // { name: 'calculator', args: { expression: '12*7' } }
 */
export function detectToolIntent(
  text: string,
  tools: readonly ChatToolSpec[],
): ToolIntent | undefined {
  const offered = new Set(tools.map((tool) => tool.name));
  const plain = plainText(text);
  const expression = offered.has('calculator') ? findExpression(plain) : undefined;
  if (expression) return { name: 'calculator', args: { expression } };
  if (offered.has('current_time') && asksForTime(plain)) {
    const timezone = findTimeZone(plain);
    return { name: 'current_time', args: timezone ? { timezone } : {} };
  }
  const query = offered.has('search_room_history') ? findSearchQuery(plain) : undefined;
  if (query) return { name: 'search_room_history', args: { query } };
  return undefined;
}

const WORD_OPERATORS: [RegExp, string][] = [
  [/\bplus\b/gi, '+'],
  [/\bminus\b/gi, '-'],
  [/\b(?:times|multiplied by)\b/gi, '*'],
  [/\b(?:divided by|over)\b/gi, '/'],
  [/\bto the power of\b/gi, '^'],
  [/\bsquared\b/gi, '^2'],
  [/×/g, '*'],
  [/÷/g, '/'],
  [/(\d)\s*x\s*(\d)/gi, '$1*$2'],
];
const FUNCTIONS = 'sqrt|abs|round|floor|ceil|log10|log|sin|cos|tan|min|max';
const EXPRESSION = new RegExp(
  `(?:(?:${FUNCTIONS})\\s*\\(|[\\d(])(?:[\\d.\\s+\\-*/^%(),]|${FUNCTIONS}|pi)*[\\d)]`,
  'gi',
);
const HAS_OPERATION = new RegExp(
  `\\d\\s*[-+*/^%]\\s*[\\d(]|\\)\\s*[-+*/^%]|[\\d)]\\s*\\^|(?:${FUNCTIONS})\\s*\\(`,
  'i',
);
const ASKS_TO_CALCULATE =
  /\b(calculate|compute|evaluate|work out|what(?:'s|’s| is)|how much is|solve)\b/i;

/**
 * The arithmetic expression a message asks about ("what is 12*7", "calculate (3+4)^2").
 * @example
 * findExpression('what is 12 times 7?'); // '12 * 7'
 */
export function findExpression(text: string): string | undefined {
  let normalized = text;
  for (const [pattern, replacement] of WORD_OPERATORS)
    normalized = normalized.replace(pattern, replacement);
  if (/\b\d{4}-\d{2}-\d{2}\b/.test(normalized)) return undefined; // a date, not a subtraction
  const candidates = (normalized.match(EXPRESSION) ?? [])
    .map((candidate) => candidate.trim())
    .filter((candidate) => HAS_OPERATION.test(candidate));
  const longest = candidates.sort((left, right) => right.length - left.length)[0];
  if (!longest) return undefined;
  const rest = normalized.replace(longest, '').replace(/[^\p{L}]/gu, '');
  return ASKS_TO_CALCULATE.test(normalized) || rest === '' ? longest : undefined;
}

function asksForTime(text: string): boolean {
  return /\b(what(?:'s|’s| is) the (?:time|date)|what time|time is it|current (?:time|date)|(?:today's|todays|today’s) date|what day is|date today|the time in|time now)\b/i.test(
    text,
  );
}

/** An IANA zone named in the text (`Europe/Paris`, `UTC`) or a city Intl knows ("in Tokyo"). */
function findTimeZone(text: string): string | undefined {
  const explicit =
    /\b([A-Z][A-Za-z]+\/[A-Z][A-Za-z_]+)\b/.exec(text)?.[1] ?? /\b(UTC|GMT)\b/.exec(text)?.[1];
  if (explicit) return explicit;
  const city = /\bin ((?:[A-Z][a-z]+)(?: [A-Z][a-z]+)*)/.exec(text)?.[1]?.replace(/ /g, '_');
  if (!city) return undefined;
  return Intl.supportedValuesOf('timeZone').find((zone) => zone.endsWith(`/${city}`));
}

const SEARCH_PATTERNS = [
  /\bdid (?:anyone|anybody|someone|somebody|we|you|i) (?:mention|say|talk about|discuss|bring up|ask about)\s+(.+)/i,
  /(?:^|[.!?;:,]\s*|\b(?:please|can you|could you|would you|pls)\s+)(?:search(?: the)?(?: room)?(?: history| chat| messages| transcript)?(?: for)?|look up|find)\s+(.+)/i,
];

/**
 * What a "search for …", "find …" or "did anyone mention …" message wants found.
 * @example
 * findSearchQuery('Did anyone mention the launch date?'); // 'launch date'
 */
export function findSearchQuery(text: string): string | undefined {
  const plain = plainText(text);
  for (const pattern of SEARCH_PATTERNS) {
    const raw = pattern.exec(plain)?.[1];
    if (!raw) continue;
    const query = raw
      .replace(/\s+(?:in|from) (?:the )?(?:room|chat|history|transcript|conversation)\b.*$/i, '')
      .replace(
        /^(?:messages |anything |where (?:someone|anyone) (?:said|mentioned) )?(?:about |on |mentioning |for )?/i,
        '',
      )
      .replace(/[?!.]+$/, '')
      .replace(/^["'“‘]|["'”’]$/g, '')
      .replace(/^(?:the|a|an)\s+/i, '')
      .trim();
    if (query !== '') return query;
  }
  return undefined;
}

const TOPIC_OPENERS =
  /^(?:(?:so|ok|okay|well),?\s+)?(?:what do you (?:all )?think (?:about|of)|can you (?:explain|tell me about)|could you (?:explain|tell me about)|tell me about|explain|thoughts on|what about|how about|what is|what's|what are|how do (?:i|we|you)|how does|why (?:do|does|is|are)|should (?:we|i))\s+/i;

/**
 * A short phrase for what a message is about, for the persona to refer to: its first sentence that
 * is not a request to involve someone else, without mentions or trailing punctuation.
 * @example
 * findTopic('@sage what do you think about Postgres for the queue? Ask @critic too.'); // 'Postgres for the queue'
 */
export function findTopic(text: string): string | undefined {
  const sentences = text.replace(LEADING_MENTIONS, '').split(/(?<=[.?!])\s+/);
  for (const sentence of sentences) {
    if (findMentions(sentence).length > 0 && INVOLVE_WORDS.test(sentence)) continue;
    const topic = withoutMentionSigns(sentence)
      .replace(/^(?:hi|hello|hey)\b[,!.]?\s*/i, '')
      .replace(TOPIC_OPENERS, '')
      .replace(/[?!.]+$/, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (topic.length >= 3) return topic.length > 80 ? shortenText(topic, 78) : topic;
  }
  return undefined;
}

/**
 * A quotable excerpt of someone's message: no @ signs, one line, at most `limit` characters.
 * @example
 * excerpt('Ask @critic.\nThen decide.'); // 'Ask critic. Then decide'
 */
export function excerpt(text: string, limit = 90): string {
  const line = withoutMentionSigns(text)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/(?<!\.)\.$/, '');
  return shortenText(line, limit);
}
