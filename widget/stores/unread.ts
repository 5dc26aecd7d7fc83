import { atom, onMount, type ReadableAtom } from 'nanostores';
import type { Message } from '../../protocol/room.ts';
import type { ConversationMarker } from '../embed/conversation-marker.ts';
import type { RoomConnection, SessionInfo } from '../room/room-connection.ts';

export interface UnreadStore {
  /** Messages from others that arrived while the chat was not seen. */
  $unread: ReadableAtom<number>;
  /** Whether the user can see the chat now (panel open and page visible); seeing it reads everything. */
  setSeen(seen: boolean): void;
}

/** Where the store keeps what the visitor last saw of a conversation (conversation-marker.ts). */
export interface UnreadMarker {
  read(): ConversationMarker | null;
  write(marker: ConversationMarker): void;
}

/** How far from the end of the transcript the store looks for what just changed (a message sent, replies finished). */
const RECENT = 20;

/**
 * The unread count of the launcher badge: finished messages of others (people, notices, agents'
 * final replies) that arrive while the chat is closed or the page is hidden.
 *
 * With a `marker`, the count also survives a reload: once the visitor has sent a message the
 * store writes what they have seen (when the newest finished message they saw was finished, its
 * `updatedAt`), and the first transcript after a reload counts the finished messages of others
 * finished after that. Messages are counted by id, so
 * one the catch-up merged and the channel then announced counts once.
 * @example const { $unread, setSeen } = createUnreadStore(client, { $session }); setSeen(false);
 */
export function createUnreadStore(
  connection: RoomConnection,
  options: { $session: ReadableAtom<SessionInfo | undefined>; marker?: UnreadMarker },
): UnreadStore {
  const $unread = atom(0);
  const unseen = new Set<string>();
  const { marker } = options;
  let seen = false;
  let counted = false;
  let seenAt = marker?.read()?.seenAt;
  const own = (message: Message) =>
    message.author.kind === 'human' && message.author.id === options.$session.get()?.participant.id;
  const finished = (message: Message) =>
    message.status !== 'streaming' &&
    message.status !== 'cancelled' &&
    message.status !== 'deleted';
  /**
   * When the last of the recent finished messages was finished (a reply in flight is not seen
   * yet; replies side by side finish in any order).
   */
  const lastFinished = (messages: readonly Message[]) => {
    let latest: string | undefined;
    for (const message of messages.slice(-RECENT))
      if (finished(message) && (latest === undefined || message.updatedAt > latest))
        latest = message.updatedAt;
    return latest;
  };
  const add = (id: string) => {
    unseen.add(id);
    if ($unread.get() !== unseen.size) $unread.set(unseen.size);
  };
  const remember = (updatedAt: string | undefined) => {
    if (!marker || !updatedAt || (seenAt !== undefined && updatedAt <= seenAt)) return;
    seenAt = updatedAt;
    marker.write({ seenAt });
  };
  const onTranscript = () => {
    if (!marker) return;
    const messages = connection.messages();
    if (messages.length === 0) return;
    if (!counted) {
      counted = true;
      // The first transcript after a reload: what came since the visitor last saw the chat.
      if (seenAt !== undefined && !seen)
        for (const message of messages)
          if (message.updatedAt > seenAt && finished(message) && !own(message)) add(message.id);
    }
    if (seenAt === undefined) {
      // No conversation yet: one starts with the visitor's first message.
      const sent = messages.slice(-RECENT).findLast(own);
      if (sent) remember(seen ? lastFinished(messages) : sent.updatedAt);
    } else if (seen) remember(lastFinished(messages));
  };
  onMount($unread, () => {
    const offs = [
      connection.on('live', ({ event, payload }) => {
        if (seen || (event !== 'message' && event !== 'message-end')) return;
        const { message } = payload as { message: Message };
        if (own(message)) return;
        if (event === 'message-end' && message.status === 'cancelled') return;
        add(message.id);
      }),
      connection.on('transcript', onTranscript),
    ];
    onTranscript();
    return () => offs.forEach((off) => off());
  });
  return {
    $unread,
    setSeen(next) {
      seen = next;
      if (!seen) return;
      unseen.clear();
      if ($unread.get() !== 0) $unread.set(0);
      if (seenAt !== undefined) remember(lastFinished(connection.messages()));
    },
  };
}
