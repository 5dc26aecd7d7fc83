/**
 * The offline personas answer the question asked: its nouns and numbers, each persona in its own
 * shape, in Markdown the widget's parser reads as lists, tables and code (issue 13, finding 12).
 */
import { describe, expect, it } from 'vitest';
import { collectParts, chatRequest, streamedText } from '../../../test/providers/stream-helpers.ts';
import type { BlockNode } from '../../../widget/markdown/markdown-ast.ts';
import { parseMarkdown } from '../../../widget/markdown/parse-markdown.ts';
import type { ChatToolSpec, ChatTurn } from '../chat-model.ts';
import { OfflineChatModel } from './offline-chat-model.ts';

const CALCULATOR: ChatToolSpec[] = [
  { name: 'calculator', description: 'Arithmetic.', parameters: { type: 'object' } },
];
const model = new OfflineChatModel({ delay: async () => undefined });

async function answer(persona: string, question: string, tools: ChatToolSpec[] = []) {
  const display = persona.charAt(0).toUpperCase() + persona.slice(1);
  return collectParts(
    model,
    chatRequest({
      model: persona,
      system: `You are ${display} (@${persona}).`,
      turns: [{ role: 'user', name: 'Ada', content: question }],
      tools,
    }),
  );
}

async function replyText(persona: string, question: string): Promise<string> {
  return streamedText(await answer(persona, question));
}

function blockTypes(markdown: string): string[] {
  return parseMarkdown(markdown).blocks.map((block) => block.type);
}

function tableOf(markdown: string): Extract<BlockNode, { type: 'table' }> | undefined {
  return parseMarkdown(markdown).blocks.find(
    (block): block is Extract<BlockNode, { type: 'table' }> => block.type === 'table',
  );
}

const QUESTIONS = [
  {
    question: 'Which bike suits a 10 km commute with hills?',
    terms: [/\bbike\b/i, /\b10 km\b/, /\bcommute\b/i, /\bhills?\b/i],
  },
  {
    question: 'How do I debounce a search input in TypeScript?',
    terms: [/\bdebounce\b/i, /TypeScript/],
  },
  {
    question: 'Is the annual plan at €1,200 cheaper than paying €110 a month?',
    terms: [/€1,200/, /€110/],
  },
];

describe('offline personas answer the question asked', () => {
  it.each(QUESTIONS)(
    'each persona names the key terms of "$question", and the three replies differ',
    async ({ question, terms }) => {
      const replies = await Promise.all(
        ['sage', 'scout', 'critic'].map((persona) => replyText(persona, question)),
      );

      for (const [index, text] of replies.entries())
        for (const term of terms) expect(text, `${index}: ${term}`).toMatch(term);
      expect(new Set(replies).size).toBe(3);
      for (const text of replies) expect(text).not.toMatch(/what we are only assuming/);
    },
  );

  it('Sage answers the bike question with a list of what to look for, addressing hills and the distance', async () => {
    const text = await replyText('sage', 'Which bike suits a 10 km commute with hills?');

    const list = parseMarkdown(text).blocks.find((block) => block.type === 'list');
    expect(list?.type === 'list' && list.items.length).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/gear/i);
    expect(text).toMatch(/30 to 40 minutes/);
  });

  it('Scout lays the bike facts out in a table with the times the distance takes', async () => {
    const table = tableOf(await replyText('scout', 'Which bike suits a 10 km commute with hills?'));

    expect(table?.head).toHaveLength(2);
    const rows = (table?.rows ?? []).map((row) =>
      row.map((cell) => cell.map((node) => ('text' in node ? node.text : '')).join('')),
    );
    expect(rows).toContainEqual(['At 20 km/h', 'about 30 min each way']);
    expect(rows.some(([label]) => label === 'Hills')).toBe(true);
  });

  it('Critic ranks the risks of the bike question in a numbered list', async () => {
    const text = await replyText('critic', 'Which bike suits a 10 km commute with hills?');

    const list = parseMarkdown(text).blocks.find((block) => block.type === 'list');
    expect(list).toMatchObject({ type: 'list', ordered: true });
    expect(text).toMatch(/100 km a week/);
    expect(text).toMatch(/test-ride/);
  });

  it('a technical question gets a fenced code block in its language from Sage', async () => {
    const text = await replyText('sage', 'How do I debounce a search input in TypeScript?');

    const code = parseMarkdown(text).blocks.find((block) => block.type === 'code-block');
    expect(code).toMatchObject({ type: 'code-block', language: 'typescript', closed: true });
    expect(code?.type === 'code-block' && code.text).toContain('clearTimeout');
    expect(blockTypes(text)).toContain('list');
  });

  it('a Python question gets Python code', async () => {
    const text = await replyText('sage', 'How do I debounce a function in Python?');

    expect(parseMarkdown(text).blocks).toContainEqual(
      expect.objectContaining({ type: 'code-block', language: 'python' }),
    );
  });

  it('the pricing question is worked out: €110 a month is €1,320 a year, €120 more than €1,200', async () => {
    const sage = await replyText(
      'sage',
      'Is the annual plan at €1,200 cheaper than paying €110 a month?',
    );
    const critic = await replyText(
      'critic',
      'Is the annual plan at €1,200 cheaper than paying €110 a month?',
    );

    expect(sage).toContain('€1,320');
    expect(sage).toContain('€120');
    expect(sage).toMatch(/€1,200 yearly price is cheaper/);
    // The verdict flips if you would stop paying before month 11.
    expect(critic).toMatch(/at least 11 months/);
  });

  it('a percentage off an amount is computed', async () => {
    expect(await replyText('sage', 'What is 20% off a $80 helmet?')).toContain('you pay $64');
  });

  it('Scout checks a pricing sum with the calculator, then keeps the result apart from its preface', async () => {
    const question: ChatTurn = {
      role: 'user',
      name: 'Ada',
      content: 'Is the annual plan at €1,200 cheaper than paying €110 a month?',
    };
    const first = await answer('scout', question.content, CALCULATOR);
    const call = first.find((part) => part.type === 'tool-call');
    expect(call).toMatchObject({ name: 'calculator', args: { expression: '110 * 12' } });

    const followUp = await collectParts(
      model,
      chatRequest({
        model: 'scout',
        system: 'You are Scout (@scout).',
        tools: CALCULATOR,
        turns: [
          question,
          {
            role: 'assistant',
            content: streamedText(first),
            toolCalls: [{ callId: 'c1', name: 'calculator', args: { expression: '110 * 12' } }],
          },
          {
            role: 'tool',
            callId: 'c1',
            name: 'calculator',
            content: JSON.stringify({ result: { expression: '110 * 12', value: 1320 } }),
          },
        ],
      }),
    );
    // The message shows both steps' text one after the other.
    const shown = streamedText(first) + streamedText(followUp);

    expect(shown).toMatch(/Running the numbers\.\s+Result: 110 \* 12 = 1320\./);
    expect(shown).not.toMatch(/[a-z]\.[A-Z]/);
    expect(tableOf(shown)?.rows.length).toBeGreaterThanOrEqual(3);
  });
});
