import { atom, onMount, type ReadableAtom } from 'nanostores';
import type { Message } from '../../protocol/room.ts';
import type { RoomConnection, SessionInfo } from '../room/room-connection.ts';

export interface UnreadStore {
  /** Messages from others that arrived while the chat was not seen. */
  $unread: ReadableAtom<number>;
  /** Whether the user can see the chat now (panel open and page visible); seeing it reads everything. */
  setSeen(seen: boolean): void;
}

/**
 * The unread count of the launcher badge: finished messages of others (people, notices, agents'
 * final replies) that arrive while the chat is closed or the page is hidden.
 * @example const { $unread, setSeen } = createUnreadStore(client, { $session }); setSeen(false);
 */
export function createUnreadStore(
  connection: RoomConnection,
  options: { $session: ReadableAtom<SessionInfo | undefined> },
): UnreadStore {
  const $unread = atom(0);
  let seen = false;
  onMount($unread, () =>
    connection.on('live', ({ event, payload }) => {
      if (seen || (event !== 'message' && event !== 'message-end')) return;
      const { message } = payload as { message: Message };
      if (
        message.author.kind === 'human' &&
        message.author.id === options.$session.get()?.participant.id
      )
        return;
      if (event === 'message-end' && message.status === 'cancelled') return;
      $unread.set($unread.get() + 1);
    }),
  );
  return {
    $unread,
    setSeen(next) {
      seen = next;
      if (seen && $unread.get() !== 0) $unread.set(0);
    },
  };
}
