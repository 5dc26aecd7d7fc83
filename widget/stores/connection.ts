import { atom, onMount, type ReadableAtom } from 'nanostores';
import type { ConversationStatus, Participant, RoomEvents } from '../../protocol/room.ts';
import type {
  ConnectionState,
  RoomConnection,
  RoomInfo,
  SessionInfo,
} from '../room/room-connection.ts';

/** Who answers a support conversation now, and who changed it last (null: not known). */
export interface ConversationView {
  status: ConversationStatus;
  by: Participant | null;
}

export interface ConnectionStore {
  /** `{ status: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'error', error?, attempt }` */
  $connection: ReadableAtom<ConnectionState>;
  /** Who we are and the room's title, once the session exists. */
  $session: ReadableAtom<SessionInfo | undefined>;
  /** The room's title, agents and settings, once loaded. */
  $room: ReadableAtom<RoomInfo | undefined>;
  /** A support conversation's status (from the session, then `conversation-status`); null in a shared room. */
  $conversation: ReadableAtom<ConversationView | null>;
  /** Whether staff muted us: `false`, or until when (`null`: until they lift it). */
  $muted: ReadableAtom<string | null | false>;
  /** Tries to connect again now. */
  reconnect(): void;
}

/**
 * The connection's state, session and room, mirrored from a {@link RoomConnection} while
 * anything listens; and what the room's broadcasts say about us: the conversation's status and a
 * mute (lifted by itself when its time is up).
 * @example const { $connection, reconnect } = createConnectionStore(client); $connection.listen(render);
 */
export function createConnectionStore(connection: RoomConnection): ConnectionStore {
  const $connection = atom<ConnectionState>(connection.state());
  const $session = atom<SessionInfo | undefined>(connection.session());
  const $room = atom<RoomInfo | undefined>(connection.room());
  const $conversation = atom<ConversationView | null>(null);
  const $muted = atom<string | null | false>(false);
  let unmute: ReturnType<typeof setTimeout> | undefined;
  // The server's word on the status (a session, an event, the room after a reconnect); who
  // changed it is kept while the status stays the same and nobody else is named.
  const setStatus = (status?: ConversationStatus | null, by?: Participant | null) => {
    const known = $conversation.get();
    $conversation.set(
      status ? { status, by: by ?? (known?.status === status ? known.by : null) } : null,
    );
  };
  const follow = (session = connection.session()) => {
    $session.set(session);
    setStatus(session?.room.status);
  };
  onMount($connection, () => {
    $connection.set(connection.state());
    return connection.on('state', (state) => $connection.set(state));
  });
  onMount($session, () => {
    follow();
    const offs = [
      connection.on('session', follow),
      connection.on('live', ({ event, payload }) => {
        if (event === 'conversation-status') {
          const { status, by } = payload as RoomEvents['conversation-status'];
          setStatus(status, by);
        } else if (event === 'participant-muted') {
          const muted = payload as RoomEvents['participant-muted'];
          if (muted.participantId !== $session.get()?.participant.id) return;
          clearTimeout(unmute);
          $muted.set(muted.muted && muted.until);
          if (muted.muted && muted.until)
            unmute = setTimeout(() => $muted.set(false), Date.parse(muted.until) - Date.now());
        }
      }),
    ];
    return () => {
      clearTimeout(unmute);
      offs.forEach((off) => off());
    };
  });
  // Both follow the session's listeners: keep them while either is shown.
  for (const store of [$conversation, $muted]) onMount(store, () => $session.listen(() => {}));
  onMount($room, () => {
    $room.set(connection.room());
    return connection.on('room', (room) => $room.set(room));
  });
  return {
    $connection,
    $session,
    $room,
    $conversation,
    $muted,
    reconnect: () => connection.reconnect(),
  };
}
