import { z } from 'zod';
import { cutText } from '../../protocol/text.ts';
import { defineTool } from './tool.ts';

const DEFAULT_LIMIT = 4;
const MAX_LIMIT = 10;
/** Each passage is cut to this many characters, so one long section cannot crowd out the rest. */
const MAX_PASSAGE_CHARACTERS = 800;

/**
 * `search_knowledge`: finds passages in the site's own knowledge sources (docs/architecture.md
 * §12): products, prices, service, delivery, returns. Each passage comes with its source (title,
 * path or URL, section) so the answer can cite it, and its coverage of the query (the share of
 * the query's information it holds, rare words weighing most: server/knowledge/answerability.ts
 * decides from it whether the passages answer at all). No sources configured: no passages.
 * @example
 * await registry.run('search_knowledge', { query: 'return a bike' }, context);
 * // { result: { query: 'return a bike', passages: [{ title: 'Returns and warranty › Returns', source: 'returns-and-warranty.md', url: '…', position: 1, coverage: 1, text: 'You can return…' }] } }
 */
export default defineTool({
  name: 'search_knowledge',
  description:
    "Searches the site's own knowledge (products, prices, service, delivery, returns, opening " +
    'hours) and returns the best passages with their sources. Use it before answering a question ' +
    'about the business, quote what it says and cite the source; if it finds nothing, say so. ' +
    "Each passage's coverage (0–1) is the share of the query's informative words it holds: " +
    'when even the best one is low, the knowledge probably does not answer the question.',
  parameters: z.object({
    query: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(300)
      .describe('The question or its key words, e.g. "return window for bikes".'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_LIMIT)
      .optional()
      .describe(
        `How many passages to return, best first (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).`,
      ),
  }),
  timeoutMs: 5_000,
  async execute({ query, limit }, context) {
    const count = limit ?? DEFAULT_LIMIT;
    const found = context.searchKnowledge ? await context.searchKnowledge(query, count) : [];
    return {
      query,
      passages: found.slice(0, count).map((passage) => ({
        title:
          passage.title === passage.documentTitle
            ? passage.title
            : passage.title.startsWith(passage.documentTitle)
              ? passage.title
              : `${passage.documentTitle} › ${passage.title}`,
        source: passage.source,
        url: passage.url,
        position: passage.position,
        coverage: passage.coverage,
        text:
          passage.content.length > MAX_PASSAGE_CHARACTERS
            ? `${cutText(passage.content, MAX_PASSAGE_CHARACTERS)}…`
            : passage.content,
      })),
    };
  },
});
