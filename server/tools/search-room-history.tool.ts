import { z } from 'zod';
import { cutText } from '../../protocol/text.ts';
import { defineTool } from './tool.ts';

const DEFAULT_LIMIT = 5;
const MAX_LIMIT = 20;
/** Each match's text is cut to this many characters, so a few long messages cannot crowd out the rest. */
const MAX_CONTENT_CHARACTERS = 500;

/**
 * `search_room_history`: finds earlier messages of the current room. The room comes from the
 * call's context, never from the arguments, so an agent cannot read another room.
 * @example
 * await registry.run('search_room_history', { query: 'launch date' }, context);
 * // { result: { query: 'launch date', matches: [{ id, authorName: 'Maya', content: '…', createdAt }] } }
 */
export default defineTool({
  name: 'search_room_history',
  description:
    'Searches earlier messages of this chat room (and only this room) for words or a phrase. ' +
    'Use it to find what someone said before, e.g. a name, a number or a decision.',
  parameters: z.object({
    query: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(200)
      .describe('Words to look for, e.g. "deadline" or "budget for March".'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_LIMIT)
      .optional()
      .describe(
        `How many matches to return, best first (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).`,
      ),
  }),
  timeoutMs: 5_000,
  async execute({ query, limit }, context) {
    const matches = await context.searchRoomHistory(query, limit ?? DEFAULT_LIMIT);
    return {
      query,
      matches: matches.slice(0, limit ?? DEFAULT_LIMIT).map((match) => ({
        id: match.id,
        authorName: match.authorName,
        content: shorten(match.content),
        createdAt: match.createdAt,
      })),
    };
  },
});

function shorten(content: string): string {
  return content.length > MAX_CONTENT_CHARACTERS
    ? `${cutText(content, MAX_CONTENT_CHARACTERS)}…`
    : content;
}
