/**
 * Offline personas answer from the site's knowledge: the demo folder indexed into PGlite, the real
 * `search_knowledge` tool, and the persona's extractive answer with its citations (`source`
 * parts, the quoted sentences as their quotes), or a plain "nothing found" with none when the
 * knowledge has no answer (issue 16).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatRequest, collectParts, streamedText } from '../../../test/providers/stream-helpers.ts';
import { openTestPGlite } from '../../../test/helpers/databases.ts';
import { parseMarkdown } from '../../../widget/markdown/parse-markdown.ts';
import { indexKnowledgeDir } from '../../knowledge/knowledge-index.ts';
import { createPostgresStores, type PostgresStores } from '../../store/postgres-stores.ts';
import { loadTools, type ToolRegistry } from '../../tools/registry.ts';
import { createTestContext } from '../../tools/test-support/create-test-context.ts';
import { DEMO_DIR } from '../../widget-build.ts';
import type { SourcePart } from '../../../protocol/room.ts';
import type { ChatStreamPart, ChatTurn } from '../chat-model.ts';
import { OfflineChatModel } from './offline-chat-model.ts';

const model = new OfflineChatModel({ delay: async () => undefined });
let store: PostgresStores;
let tools: ToolRegistry;

beforeAll(async () => {
  store = createPostgresStores(await openTestPGlite());
  tools = await loadTools();
  await indexKnowledgeDir(path.join(DEMO_DIR, 'knowledge'), store.knowledge);
});
afterAll(() => store.close());

/** One question through the whole loop: the persona's call, the real tool, the persona's answer. */
async function ask(
  persona: string,
  content: string,
): Promise<{ call: unknown; text: string; sources: SourcePart[] }> {
  const system = `You are ${persona.charAt(0).toUpperCase()}${persona.slice(1)} (@${persona}).`;
  const specs = tools.specs(['search_knowledge']);
  const question: ChatTurn = { role: 'user', name: 'Ada', content };
  const first = await collectParts(
    model,
    chatRequest({ model: persona, system, tools: specs, turns: [question] }),
  );
  const call = first.find(
    (part): part is Extract<ChatStreamPart, { type: 'tool-call' }> => part.type === 'tool-call',
  );
  if (!call) throw new Error(`${persona} did not search: ${streamedText(first)}`);
  const outcome = await tools.run(
    call.name,
    call.args,
    createTestContext({ searchKnowledge: (query, limit) => store.knowledge.search(query, limit) }),
  );
  const second = await collectParts(
    model,
    chatRequest({
      model: persona,
      system,
      tools: specs,
      turns: [
        question,
        {
          role: 'assistant',
          content: streamedText(first),
          toolCalls: [{ callId: call.callId, name: call.name, args: call.args }],
        },
        { role: 'tool', callId: call.callId, name: call.name, content: JSON.stringify(outcome) },
      ],
    }),
  );
  const sources = second.filter((part): part is SourcePart => part.type === 'source');
  return { call, text: streamedText(first) + streamedText(second), sources };
}

describe('offline answers from the knowledge sources', () => {
  it('Sage answers the returns question by quoting the returns section, and cites it', async () => {
    const { call, text, sources } = await ask(
      'sage',
      'Can I return a bike, and within how many days?',
    );

    expect(call).toMatchObject({
      name: 'search_knowledge',
      args: { query: expect.stringContaining('return') },
    });
    expect(text).toContain('within 30 days of delivery for a full refund');
    expect(sources[0]).toEqual({
      type: 'source',
      title: 'Returns and warranty › Returns',
      url: '/demo/company.html#service',
      path: 'returns-and-warranty.md',
      quote: expect.stringContaining('within 30 days of delivery for a full refund'),
    });
    // Each quote is what the text says, word for word; the text names no sources of its own.
    for (const { quote } of sources) expect(text).toContain(quote);
    expect(text).not.toContain('Sources:');
    expect(text).toMatch(/that\.\n\n/); // the preface stands apart from the answer
  });

  it('Scout puts the facts it found in a table with their source', async () => {
    const { text, sources } = await ask('scout', 'What are the opening hours of the workshop?');

    const table = parseMarkdown(text).blocks.find((block) => block.type === 'table');
    expect(table).toBeDefined();
    expect(text).toContain('Tuesday to Friday 9:00 to 18:00');
    expect(sources.map((source) => source.path)).toContain('service.md');
  });

  it('a hilly commute finds the bikes whose sections talk about hills', async () => {
    const { text, sources } = await ask('sage', 'Which bike suits a 10 km commute with hills?');

    expect(text).toMatch(/Commuter 8/);
    expect(sources[0]).toMatchObject({
      path: expect.stringMatching(/^bikes\/commuter-8(-e)?\.md$/),
      url: '/demo/company.html#bikes',
    });
  });

  it('says plainly when the knowledge has no answer, and does not invent one', async () => {
    const { text, sources } = await ask('critic', 'Do you sell snowboards or ski wax?');

    expect(text).toContain("The site's knowledge says nothing about snowboards, ski, wax");
    expect(sources).toEqual([]);
  });

  it.each([
    ['Do you sell electric scooters?', 'electric, scooters'],
    ['Do you ship to Germany?', 'ship, Germany'],
    ['Can I lease a bike through my employer?', 'lease, bike, through'],
  ])(
    'refuses %j, which shares a word with the knowledge but not the ones that matter',
    async (question, about) => {
      const { text, sources } = await ask('critic', question);

      expect(text).toContain(`The site's knowledge says nothing about ${about}`);
      expect(sources).toEqual([]);
    },
  );

  it('answers a yes/no question the knowledge states, judged on its asked sentence', async () => {
    const { call, text, sources } = await ask(
      'sage',
      'Hi! Do you have cargo bikes? A table of prices would help.',
    );

    expect(call).toMatchObject({ args: { query: 'Do you have cargo bikes?' } });
    expect(text).toContain('long-tail cargo bike');
    expect(sources.map((source) => source.path)).toContain('bikes/cargo-long.md');
  });
});
