import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../protocol/room.ts';
import type { ConversationPage } from '../../protocol/schemas/conversations.ts';
import { ChorusError } from '../../widget/lib/chorus-error.ts';
import { createConversationListStore } from './conversation-list.ts';

function conversation(
  id: string,
  updatedAt: string,
  changes: Partial<Conversation> = {},
): Conversation {
  return {
    id,
    parent: 'northwind',
    title: id,
    visitor: { id: `guest:${id}`, name: id, role: 'guest' },
    status: 'bot',
    waiting: false,
    lastMessage: null,
    unread: 0,
    createdAt: '2026-01-01T10:00:00.000Z',
    updatedAt,
    ...changes,
  };
}

const ids = (list: readonly Conversation[]) => list.map((row) => row.id);

describe('the live conversation list', () => {
  it('puts waiting conversations first, then the newest activity, as events come', async () => {
    const list = createConversationListStore({
      fetchPage: async () => ({
        conversations: [
          conversation('a', '2026-01-01T10:03:00.000Z'),
          conversation('b', '2026-01-01T10:02:00.000Z'),
          conversation('c', '2026-01-01T10:01:00.000Z'),
        ],
        nextCursor: null,
      }),
    });
    await list.refresh();
    expect(ids(list.$conversations.get())).toEqual(['a', 'b', 'c']);
    list.upsert(
      conversation('c', '2026-01-01T10:04:00.000Z', { status: 'waiting', waiting: true }),
    );
    expect(ids(list.$conversations.get())).toEqual(['c', 'a', 'b']);
    list.upsert(conversation('b', '2026-01-01T10:05:00.000Z'));
    expect(ids(list.$conversations.get())).toEqual(['c', 'b', 'a']);
    list.upsert(conversation('d', '2026-01-01T10:06:00.000Z')); // a new visitor
    expect(ids(list.$conversations.get())).toEqual(['c', 'd', 'b', 'a']);
  });

  it('never lets a refetch racing an event bring back an older row', async () => {
    let answer!: (page: ConversationPage) => void;
    const list = createConversationListStore({
      fetchPage: () => new Promise((resolve) => (answer = resolve)),
    });
    const refreshed = list.refresh();
    list.upsert(conversation('a', '2026-01-01T10:05:00.000Z', { unread: 3 }));
    answer({
      conversations: [conversation('a', '2026-01-01T10:04:00.000Z', { unread: 2 })],
      nextCursor: null,
    });
    await refreshed;
    expect(list.$conversations.get()[0]?.unread).toBe(3);
  });

  it('pages back with the cursor, keeps what was loaded, and drops a count on read', async () => {
    const queries: unknown[] = [];
    const list = createConversationListStore({
      fetchPage: async (query) => {
        queries.push(query);
        return query.before
          ? { conversations: [conversation('old', '2026-01-01T09:00:00.000Z')], nextCursor: null }
          : {
              conversations: [conversation('new', '2026-01-01T10:00:00.000Z', { unread: 4 })],
              nextCursor: '1767258000000:new',
            };
      },
    });
    await list.refresh();
    expect(list.$hasMore.get()).toBe(true);
    await list.loadMore();
    expect(queries).toEqual([{}, { before: '1767258000000:new' }]);
    expect(ids(list.$conversations.get())).toEqual(['new', 'old']);
    expect(list.$hasMore.get()).toBe(false);
    await list.refresh(); // a rejoin: the first page again, the older rows stay
    expect(ids(list.$conversations.get())).toEqual(['new', 'old']);
    expect(list.$hasMore.get()).toBe(false);
    list.markRead('new');
    expect(list.$conversations.get()[0]?.unread).toBe(0);
  });

  it('keeps a failed load as state, cleared by the next one that works', async () => {
    let fail = true;
    const list = createConversationListStore({
      fetchPage: async () => {
        if (fail)
          throw new ChorusError('forbidden', 'Only staff may list conversations', { status: 403 });
        return { conversations: [], nextCursor: null };
      },
    });
    await list.refresh();
    expect(list.$error.get()?.code).toBe('forbidden');
    expect(list.$loading.get()).toBe(false);
    fail = false;
    await list.refresh();
    expect(list.$error.get()).toBe(null);
  });
});
