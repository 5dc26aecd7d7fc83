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

/** How far from the end of the transcript the visitor's own message is looked for (it was just sent). */
const OWN_MESSAGE_WINDOW = 10;

/**
 * The unread count of the launcher badge: finished messages of others (people, notices, agents'
 * final replies) that arrive while the chat is closed or the page is hidden.
 *
 * With a `marker`, the count also survives a reload: once the visitor has sent a message the
 * store writes what they have seen (the newest `createdAt`), and the first transcript after a
 * reload counts the finished messages of others newer than it. Messages are counted by id, so
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
  const finishedOther = (message: Message) =>
    !own(message) && message.status !== 'streaming' && message.status !== 'cancelled';
  const add = (id: string) => {
    unseen.add(id);
    if ($unread.get() !== unseen.size) $unread.set(unseen.size);
  };
  const remember = (createdAt: string | undefined) => {
    if (!marker || !createdAt || createdAt === seenAt) return;
    seenAt = createdAt;
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
          if (message.createdAt > seenAt && finishedOther(message)) add(message.id);
    }
    if (seenAt === undefined) {
      // No conversation yet: one starts with the visitor's first message.
      const sent = messages.slice(-OWN_MESSAGE_WINDOW).findLast(own);
      if (sent) remember(seen ? messages.at(-1)?.createdAt : sent.createdAt);
    } else if (seen) remember(messages.at(-1)?.createdAt);
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
      if (seenAt !== undefined) remember(connection.messages().at(-1)?.createdAt);
    },
  };
}
