/**
 * What an offline persona understands of the question itself: its kind (technical, about numbers,
 * a choice, or general), its key terms, the quantities it names (amounts, distances, percentages)
 * and, for a choice, what is chosen and what it is for. Plain patterns, deterministic: enough for
 * a persona to answer the question asked rather than a template (docs/architecture.md §5).
 */
import { plainText } from './transcript-reading.ts';

export type QuestionKind = 'technical' | 'numbers' | 'choice' | 'general';

/** A number the question names, with what it counts. */
export interface Quantity {
  value: number;
  /** As written, e.g. `€1,200`, `10 km`, `20%`. */
  text: string;
  /** `km`, `mi`, `%`, `h`, `min`, or undefined for a bare number or an amount of money. */
  unit: string | undefined;
  /** The currency sign or code for an amount of money (`€`, `$`, `£`, `EUR`). */
  currency: string | undefined;
  /** For "€110 a month", "$99/year": the period the amount is per. */
  per: 'day' | 'week' | 'month' | 'year' | undefined;
}

export interface Question {
  /** The message without mentions, on one line. */
  text: string;
  kind: QuestionKind;
  /** The question's content words and quantities, in order, without repeats (at most 6). */
  terms: string[];
  quantities: Quantity[];
  /** For "which bike suits a 10 km commute": `{ item: 'bike', need: 'a 10 km commute' }`. */
  choice: { item: string; need: string } | undefined;
  /** For a technical question: the language it names, `typescript` when none. */
  language: string;
}

const STOP_WORDS = new Set(
  `a an the and or but if then than so of to in on at by for with without from into over under
  about as is are was were be been being am do does did doing have has had having i me my we our
  you your he she it its they them their this that these those what which who whom whose when where
  why how can could should would will shall may might must not no yes please thanks thank hi hello
  hey there here just also very really some any all each every more most much many few one get got
  make made want need like good best better suit suits fit fits work works use using used tell know
  think way thing things someone anyone something anything ok okay well let us let's it's i'm
  i'd i'll what's which's vs versus per cheaper cheap pay paying worth option options add off
  idea ideas question problem thoughts sell sells buy offer`.split(/\s+/),
);

const TECHNICAL =
  /\b(code|coding|function|method|class|typescript|javascript|python|sql|regex|regexp|api|endpoint|bug|error|exception|compile|compiler|array|string|async|await|promise|debounce|throttle|retry|fetch|json|npm|git|css|html|react|node(?:\.js)?|script|variable|loop|query|database|deploy|docker|test(?:s|ing)?|typescript|lint|refactor|stack trace)\b/i;
const NUMBERS =
  /\b(price|prices|pricing|cost|costs|cheaper|expensive|budget|pay|paying|plan|plans|subscription|discount|total|per month|a month|monthly|per year|a year|annual|yearly|save|saving|savings|worth|fee|fees|vat|tax|percent|how much)\b|%/i;
const CHOICE =
  /\b(which|recommend|recommendation|suits?|fits?|best|should i (?:get|buy|choose|pick|take)|what (?:\w+ )?should i (?:get|buy|choose|pick))\b/i;
const LANGUAGES: [RegExp, string][] = [
  [/\btypescript\b|\bts\b/i, 'typescript'],
  [/\bjavascript\b|\bjs\b|\bnode(?:\.js)?\b|\breact\b/i, 'javascript'],
  [/\bpython\b/i, 'python'],
  [/\bsql\b|\bpostgres(?:ql)?\b/i, 'sql'],
  [/\bbash\b|\bshell\b/i, 'bash'],
  [/\bcss\b/i, 'css'],
];

const CURRENCY_SIGNS = '€$£¥';
const QUANTITY = new RegExp(
  `([${CURRENCY_SIGNS}])?\\s?(\\d{1,3}(?:[,\\s]\\d{3})+|\\d+(?:\\.\\d+)?)\\s?(k(?![a-z])|%|km|kilometres?|kilometers?|mi(?![a-z])|miles?|min(?:utes?)?|h(?![a-z])|hours?|€|\\$|£|eur(?:os?)?|usd|dollars?|pounds?|gbp)?`,
  'giu',
);
const PERIODS: [RegExp, Quantity['per']][] = [
  [/^\s*(?:a|per|each|every|\/)\s*(?:day|daily)\b|^\s*daily\b/i, 'day'],
  [/^\s*(?:a|per|each|every|\/)\s*(?:week|wk)\b|^\s*weekly\b/i, 'week'],
  [/^\s*(?:a|per|each|every|\/)\s*(?:month|mo)\b|^\s*monthly\b/i, 'month'],
  [/^\s*(?:a|per|each|every|\/)\s*(?:year|yr)\b|^\s*(?:yearly|annually)\b/i, 'year'],
];

/**
 * Reads the question in `message`.
 * @example
 * readQuestion('Which bike suits a 10 km commute with hills?');
 * // { kind: 'choice', terms: ['bike', '10 km', 'commute', 'hills'], choice: { item: 'bike', need: 'a 10 km commute with hills' }, … }
 */
export function readQuestion(message: string): Question {
  const text = plainText(message).replace(/\s+/g, ' ').trim();
  const quantities = findQuantities(text);
  const kind: QuestionKind = TECHNICAL.test(text)
    ? 'technical'
    : NUMBERS.test(text) && quantities.length > 0
      ? 'numbers'
      : CHOICE.test(text)
        ? 'choice'
        : 'general';
  return {
    text,
    kind,
    terms: findTerms(text, quantities),
    quantities,
    choice: findChoice(text),
    language: LANGUAGES.find(([pattern]) => pattern.test(text))?.[1] ?? 'typescript',
  };
}

/**
 * The quantities in `text`: amounts of money, distances, durations, percentages, plain numbers.
 * @example
 * findQuantities('€110 a month or €1,200 a year')[0]; // { value: 110, text: '€110', currency: '€', per: 'month', unit: undefined }
 */
export function findQuantities(text: string): Quantity[] {
  const found: Quantity[] = [];
  for (const match of text.matchAll(QUANTITY)) {
    const [written = '', sign, digits = '', suffix] = match;
    if (/^\d{4}$/.test(digits) && !sign && !suffix) continue; // a year, not an amount
    let value = Number(digits.replace(/[,\s]/g, ''));
    const unitWord = suffix?.toLowerCase();
    let unit: string | undefined;
    let currency = sign;
    if (unitWord === 'k') value *= 1000;
    else if (unitWord && /^(€|\$|£|eur|usd|dollar|pound|gbp)/.test(unitWord))
      currency ??= /^(€|\$|£)$/.test(unitWord) ? unitWord : unitWord.slice(0, 3).toUpperCase();
    else if (unitWord) unit = normalizeUnit(unitWord);
    const after = text.slice((match.index ?? 0) + written.length);
    const before = text.slice(Math.max(0, (match.index ?? 0) - 24), match.index);
    const per =
      PERIODS.find(([pattern]) => pattern.test(after))?.[1] ??
      (/\b(?:annual|yearly)\b/i.test(before)
        ? 'year'
        : /\bmonthly\b/i.test(before)
          ? 'month'
          : undefined);
    found.push({ value, text: written.trim(), unit, currency, per });
  }
  return found;
}

function normalizeUnit(word: string): string {
  if (word.startsWith('k')) return 'km';
  if (word.startsWith('mi')) return word.startsWith('min') ? 'min' : 'mi';
  if (word.startsWith('h')) return 'h';
  return word;
}

function findTerms(text: string, quantities: readonly Quantity[]): string[] {
  const terms: string[] = [];
  let quantityIndex = 0;
  const token = new RegExp(`${QUANTITY.source}|[\\p{L}][\\p{L}\\p{N}'’.+#-]*`, 'giu');
  for (const match of text.matchAll(token)) {
    let term: string;
    if (match[2] !== undefined) {
      const quantity = quantities[quantityIndex++];
      if (!quantity || quantity.text !== match[0].trim()) continue;
      term = quantity.text;
    } else {
      const word = match[0].replace(/[.'’-]+$/, '');
      if (word.length < 3 || STOP_WORDS.has(word.toLowerCase())) continue;
      // A capitalised word opening a sentence is an ordinary word; "TypeScript" or "API" is a name.
      const opensSentence = /(?:^|[.!?]\s+)$/.test(text.slice(0, match.index));
      term = opensSentence && /^\p{Lu}\p{Ll}+$/u.test(word) ? word.toLowerCase() : word;
    }
    if (!terms.some((known) => known.toLowerCase() === term.toLowerCase())) terms.push(term);
    if (terms.length === 6) break;
  }
  return terms;
}

const CHOICE_PATTERNS = [
  /\bwhich ([\p{L}-]+(?: [\p{L}-]+)?) (?:suits|fits|works for|is (?:best|right|good) for|would you recommend for|should i (?:get|buy|choose|pick|take) for|for)\s+(.+)/iu,
  /\bwhat(?: kind of| sort of)? ([\p{L}-]+(?: [\p{L}-]+)?) should i (?:get|buy|choose|pick|take) for\s+(.+)/iu,
  /\b(?:the )?best ([\p{L}-]+(?: [\p{L}-]+)?) for\s+(.+)/iu,
];

function findChoice(text: string): { item: string; need: string } | undefined {
  for (const pattern of CHOICE_PATTERNS) {
    const match = pattern.exec(text);
    const item = match?.[1]?.toLowerCase();
    const need = match?.[2]?.replace(/[?!.]+$/, '').trim();
    if (item && need && !STOP_WORDS.has(item)) return { item, need };
  }
  return undefined;
}
