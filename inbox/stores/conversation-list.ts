import { atom, computed, type ReadableAtom } from 'nanostores';
import type { Conversation } from '../../protocol/room.ts';
import type { ConversationPage } from '../../protocol/schemas/conversations.ts';
import { toChorusError, type ChorusError } from '../../widget/lib/chorus-error.ts';

export interface ConversationListStore {
  /** Waiting first, then newest activity first. */
  $conversations: ReadableAtom<Conversation[]>;
  $loading: ReadableAtom<boolean>;
  $hasMore: ReadableAtom<boolean>;
  /** The last load that failed (null once one succeeds). */
  $error: ReadableAtom<ChorusError | null>;
  /** Fetches the first page again (at start and after every (re)join of the inbox channel). */
  refresh(): Promise<void>;
  /** Fetches the next page (older activity). */
  loadMore(): Promise<void>;
  /** A `conversation-updated` broadcast: the conversation as it is now. */
  upsert(conversation: Conversation): void;
  /** The open conversation has been read: its count drops to zero at once. */
  markRead(id: string): void;
}

/**
 * The live list of a support room's conversations (docs/architecture.md §8): the first page from
 * `GET /api/rooms/:room/conversations`, then each `conversation-updated` event of `inbox:<room>`
 * replaces its row (a reply streaming updates its preview about once a second). A row fetched
 * with older activity than the one held does not replace it, so a refetch racing an event never
 * shows an older preview.
 * @example
 * const list = createConversationListStore({ fetchPage: (query) => api.listConversations(room, token, query) });
 * await list.refresh();
 */
export function createConversationListStore(options: {
  fetchPage(query: { before?: string | null }): Promise<ConversationPage>;
}): ConversationListStore {
  const $byId = atom<ReadonlyMap<string, Conversation>>(new Map());
  const $loading = atom(false);
  const $error = atom<ChorusError | null>(null);
  let cursor: string | null | undefined;
  const $cursor = atom<string | null | undefined>(undefined);
  let refreshRun = 0;

  const merge = (conversations: readonly Conversation[], live: boolean) => {
    const next = new Map($byId.get());
    for (const conversation of conversations) {
      const known = next.get(conversation.id);
      if (!live && known && known.updatedAt > conversation.updatedAt) continue;
      next.set(conversation.id, conversation);
    }
    $byId.set(next);
  };

  const load = async (before: string | null | undefined, run: number) => {
    $loading.set(true);
    try {
      const page = await options.fetchPage(before ? { before } : {});
      if (run !== refreshRun) return;
      merge(page.conversations, false);
      // The first page's cursor only while nothing older was loaded.
      if (before || cursor === undefined) cursor = page.nextCursor;
      $cursor.set(cursor);
      $error.set(null);
    } catch (error) {
      $error.set(toChorusError(error));
    } finally {
      $loading.set(false);
    }
  };

  return {
    $conversations: computed($byId, (byId) => [...byId.values()].sort(byInboxOrder)),
    $loading,
    $hasMore: computed($cursor, (value) => typeof value === 'string'),
    $error,
    refresh: () => load(undefined, ++refreshRun),
    loadMore() {
      if (typeof cursor !== 'string' || $loading.get()) return Promise.resolve();
      return load(cursor, refreshRun);
    },
    upsert: (conversation) => merge([conversation], true),
    markRead(id) {
      const known = $byId.get().get(id);
      if (known && known.unread !== 0) merge([{ ...known, unread: 0 }], true);
    },
  };
}

/** The server's order: waiting conversations first, then newest activity first. */
export function byInboxOrder(a: Conversation, b: Conversation): number {
  const aWaiting = a.status === 'waiting';
  const bWaiting = b.status === 'waiting';
  if (aWaiting !== bWaiting) return aWaiting ? -1 : 1;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
  return a.id.localeCompare(b.id);
}
