import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadTools, type ToolRegistry } from './registry.ts';
import { createTestContext } from './test-support/create-test-context.ts';
import type { KnowledgeMatch } from './tool.ts';

function passage(position: number, content = `passage ${position}`): KnowledgeMatch {
  return {
    source: 'returns-and-warranty.md',
    url: '/demo/company.html#service',
    documentTitle: 'Returns and warranty',
    title: 'Returns and warranty › Returns',
    position,
    content,
    rank: 1 / (position + 1),
    coverage: 0.5,
  };
}

describe('search_knowledge tool', () => {
  let tools: ToolRegistry;
  beforeAll(async () => {
    tools = await loadTools();
  });

  it('returns the best passages with their title, source, URL and place, default 4', async () => {
    const searchKnowledge = vi.fn(async () => [passage(1, 'Return within 30 days.')]);
    const outcome = await tools.run(
      'search_knowledge',
      { query: '  return a bike ' },
      createTestContext({ searchKnowledge }),
    );

    expect(searchKnowledge).toHaveBeenCalledExactlyOnceWith('return a bike', 4);
    expect(outcome).toEqual({
      result: {
        query: 'return a bike',
        passages: [
          {
            title: 'Returns and warranty › Returns',
            source: 'returns-and-warranty.md',
            url: '/demo/company.html#service',
            position: 1,
            coverage: 0.5,
            text: 'Return within 30 days.',
          },
        ],
      },
    });
  });

  it('keeps to the limit and cuts long passages to 800 characters', async () => {
    const searchKnowledge = async () => [passage(0, 'a'.repeat(2_000)), passage(1), passage(2)];
    const outcome = (await tools.run(
      'search_knowledge',
      { query: 'a', limit: 2 },
      createTestContext({ searchKnowledge }),
    )) as { result: { passages: { text: string }[] } };

    expect(outcome.result.passages.map((found) => found.text)).toEqual([
      `${'a'.repeat(800)}…`,
      'passage 1',
    ]);
  });

  it('finds nothing, without failing, when the server has no knowledge sources', async () => {
    expect(
      await tools.run('search_knowledge', { query: 'opening hours' }, createTestContext()),
    ).toEqual({ result: { query: 'opening hours', passages: [] } });
  });

  it('refuses an empty query', async () => {
    const outcome = await tools.run('search_knowledge', { query: '  ' }, createTestContext());
    expect(outcome).toMatchObject({ error: expect.stringContaining('query') });
  });
});
