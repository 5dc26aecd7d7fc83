/**
 * The offline personas' answers to a question, each in its own shape: Sage leads with the answer
 * and explains it in a short list (with code for a technical question), Scout lays the facts and
 * figures out in a table, Critic ranks the risks. All three are built from the same reading of
 * the question (its kind, terms and quantities), so they address its nouns and numbers.
 */
import { recipeFor } from './code-recipes.ts';
import { capitalize, codeBlock, labelled, list, sentence, table } from './markdown-writing.ts';
import { readNumbers, type NumberReading } from './number-reading.ts';
import type { Question } from './question-reading.ts';
import { notesFor, type TopicNote } from './topic-notes.ts';

/** What an answer knows of the room, beyond the question. */
export interface AnswerContext {
  askerName: string | undefined;
  topic: string | undefined;
  earlierRemark: { speaker: string; text: string } | undefined;
  toolNames: string[];
  variant: number;
}

interface Reading {
  question: Question;
  numbers: NumberReading;
  notes: TopicNote[];
  /** What the question is about, as a phrase: "a 10 km commute with hills", "“caching”". */
  subject: string;
}

function read(question: Question, context: AnswerContext): Reading {
  return {
    question,
    numbers: readNumbers(question),
    notes: notesFor(question.text),
    subject:
      question.choice?.need ?? (context.topic ? `“${context.topic}”` : termPhrase(question.terms)),
  };
}

function termPhrase(terms: readonly string[]): string {
  if (terms.length === 0) return 'this';
  const shown = terms.slice(0, 3);
  return shown.length === 1
    ? (shown[0] ?? '')
    : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1) ?? ''}`;
}

function pick(options: readonly string[], variant: number): string {
  return options[variant % options.length] ?? '';
}

function quote(remark: { speaker: string; text: string }): string {
  return `${remark.speaker} said “${remark.text}”`;
}

function join(...blocks: (string | undefined | false)[]): string {
  return blocks.filter((block): block is string => !!block && block.trim() !== '').join('\n\n');
}

const NUMBER_RISKS = [
  labelled('Lock-in', 'paying up front ties you in; read the refund terms for cancelling early.'),
  labelled(
    'Hidden costs',
    'fees, tax or delivery that are not in these figures can change the answer.',
  ),
];

const GENERIC_ADVICE = [
  (term: string) =>
    `start from what ${term} has to do for you, and judge every option against that`,
  (term: string) => `compare on one real example of ${term} rather than on descriptions`,
  (term: string) => `keep ${term} as simple as it can be, and add to it only when a real case asks`,
];

/** Sage: the answer first, then a short list of reasons, and code when the question is technical. */
export function sageAnswer(question: Question, context: AnswerContext): string {
  const reading = read(question, context);
  const { numbers, notes, subject } = reading;
  const address = (text: string): string =>
    context.askerName
      ? `${context.askerName}, ${text.charAt(0).toLowerCase()}${text.slice(1)}`
      : text;
  const remark =
    context.earlierRemark && `${quote(context.earlierRemark)}, and that is a good place to start.`;

  if (question.kind === 'technical') {
    const recipe = recipeFor(question);
    const language = recipe.code[question.language] ? question.language : 'typescript';
    return join(
      address(
        `Here is how I would approach ${recipe.title}${languageName(question)}, step by step:`,
      ),
      remark,
      list(recipe.steps, true),
      codeBlock(language, recipe.code[language] ?? recipe.code.typescript),
      `The one thing to watch: ${sentence(recipe.pitfalls[0] ?? 'the error path')} If you paste the code you have, I can walk through it with you.`,
    );
  }
  if (question.kind === 'numbers' && numbers.verdict) {
    return join(
      address(
        `Short answer: ${numbers.verdict.charAt(0).toLowerCase()}${numbers.verdict.slice(1)}`,
      ),
      remark,
      'How the numbers work out:',
      list([
        ...numbers.rows.map(([label, value]) => labelled(label, value)),
        ...(numbers.caveat ? [labelled('Keep in mind', numbers.caveat)] : []),
      ]),
      'If anything else changes the picture (fees, a discount, how long you would keep it), tell me and we can redo the sums together.',
    );
  }
  const item = question.choice?.item;
  const lead =
    question.kind === 'choice' && item
      ? `For ${subject}, here is what I would look for in a ${item}:`
      : pick(
          [
            `On ${subject}, here is how I see it:`,
            `Good question. On ${subject}, three things matter most:`,
            `Let me lay out how I would think about ${subject}:`,
          ],
          context.variant,
        );
  const points = [
    ...(numbers.verdict
      ? [labelled(distanceLabel(question) ?? 'The numbers', numbers.verdict)]
      : []),
    ...notes.map((note) => labelled(note.label, sentence(note.advice))),
  ];
  for (const [index, term] of question.terms.entries()) {
    if (points.length >= 3) break;
    if (/\d/.test(term) || notes.some((note) => note.pattern.test(term))) continue;
    points.push(labelled(capitalize(term), sentence(GENERIC_ADVICE[index % 3]?.(term) ?? term)));
  }
  const closing =
    question.kind === 'choice'
      ? `If you tell me ${question.quantities.some((quantity) => quantity.currency) ? 'how you will use it most days' : 'your budget'}, I can narrow it down to one or two options.`
      : 'If you tell me a little more about what you need, I can go into any of these in depth, with an example.';
  return join(address(lead), remark, list(points.slice(0, 4)), closing);
}

/** Scout: the facts and figures in a table, with where they came from. */
export function scoutAnswer(question: Question, context: AnswerContext): string {
  const { numbers, notes, subject } = read(question, context);
  const who = context.askerName ? `${context.askerName}: ` : '';
  const seen = context.earlierRemark && `On record: ${quote(context.earlierRemark)}.`;
  if (question.kind === 'technical') {
    const recipe = recipeFor(question);
    return join(
      `${who}${capitalize(recipe.title)}${languageName(question)}, the facts:`,
      table(['Point', 'Detail'], recipe.facts),
      seen,
      'Source: common practice, not a tool check. Paste the code and I will search the room for what was said about it.',
    );
  }
  const rows: [string, string][] = [
    ...numbers.rows,
    ...notes.map((note): [string, string] => [note.label, note.fact]),
  ];
  if (rows.length === 0) {
    const terms = question.terms.length > 0 ? question.terms : ['the question'];
    return join(
      `${who}Quick read on ${subject}:`,
      table(
        ['In the question', 'Checked?'],
        terms.slice(0, 4).map((term) => [term, 'not yet: no source in the room']),
      ),
      seen,
      `Tools on hand: ${context.toolNames.length > 0 ? context.toolNames.join(', ') : 'none in this room'}. Give me a number to crunch or a phrase to search and I will check instead of guessing.`,
    );
  }
  return join(
    question.kind === 'numbers' && numbers.verdict
      ? `${who}${numbers.verdict}`
      : `${who}Facts for ${question.choice ? `a ${question.choice.item} for ${question.choice.need}` : subject}:`,
    table([question.kind === 'numbers' ? 'Item' : 'Factor', 'Figure or fact'], rows.slice(0, 6)),
    seen,
    numbers.rows.length > 0
      ? 'Source: the figures in the question; the arithmetic is done here. Speeds and times are typical, not measured.'
      : 'Source: general knowledge, not a tool check.',
  );
}

/** The rows Scout adds after a calculator result: the same table as its own answer. */
export function scoutFollowUp(question: Question): string | undefined {
  const { rows } = readNumbers(question);
  return rows.length > 0 ? table(['Item', 'Figure'], rows) : undefined;
}

/** Critic: the two or three most serious risks, ranked, and what to check first. */
export function criticAnswer(question: Question, context: AnswerContext): string {
  const { numbers, notes, subject } = read(question, context);
  const opening = pick(
    ['Before anyone commits, a few doubts.', 'Let me push back a little.', 'A few doubts first.'],
    context.variant,
  );
  const remark =
    context.earlierRemark &&
    `${quote(context.earlierRemark)}. That is a claim, not a result; I would want to see it tested before we build on it.`;
  const risks =
    question.kind === 'technical'
      ? recipeFor(question).pitfalls.map((pitfall, index) =>
          labelled(['Most likely', 'Next', 'Also'][index] ?? 'Also', sentence(pitfall)),
        )
      : [
          ...(numbers.caveat
            ? [labelled(distanceLabel(question) ?? 'The numbers', sentence(numbers.caveat))]
            : []),
          ...notes.map((note) => labelled(note.label, sentence(note.risk))),
          ...(question.kind === 'numbers' ? NUMBER_RISKS : []),
        ];
  const firstTerm = question.terms.find((term) => !/\d/.test(term)) ?? 'this';
  if (risks.length < 2)
    risks.push(
      labelled(
        'Assumptions',
        `what the question takes for granted about ${firstTerm}; test it on one real case.`,
      ),
      labelled(
        'Reversibility',
        `how hard it is to undo if ${firstTerm} turns out to be the wrong call.`,
      ),
    );
  const check =
    question.kind === 'technical'
      ? 'a test that reproduces the first risk above. If it already passes, the rest are cheap to fix.'
      : question.kind === 'numbers'
        ? 'whether the figures are final (fees, tax, cancellation terms) and how long you would really keep paying.'
        : question.choice
          ? `try the ${question.choice.item} on the real thing (${question.choice.need}) before paying for it.`
          : `one real example of ${firstTerm}: it will show which of these risks is real.`;
  return join(
    `${opening} On ${subject}, the risks I would weigh, most serious first:`,
    list(risks.slice(0, 3), true),
    remark,
    `What I would check first: ${check}`,
  );
}

function languageName(question: Question): string {
  const named: Record<string, string> = {
    typescript: 'TypeScript',
    javascript: 'JavaScript',
    python: 'Python',
    sql: 'SQL',
    bash: 'the shell',
    css: 'CSS',
  };
  return new RegExp(`\\b${question.language}\\b`, 'i').test(question.text)
    ? ` in ${named[question.language] ?? question.language}`
    : '';
}

function distanceLabel(question: Question): string | undefined {
  const distance = question.quantities.find(
    (quantity) => quantity.unit === 'km' || quantity.unit === 'mi',
  );
  return distance ? `The ${distance.text}` : undefined;
}
