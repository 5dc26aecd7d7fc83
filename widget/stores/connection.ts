import { atom, onMount, type ReadableAtom } from 'nanostores';
import type {
  ConnectionState,
  RoomConnection,
  RoomInfo,
  SessionInfo,
} from '../room/room-connection.ts';

export interface ConnectionStore {
  /** `{ status: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'error', error?, attempt }` */
  $connection: ReadableAtom<ConnectionState>;
  /** Who we are and the room's title, once the session exists. */
  $session: ReadableAtom<SessionInfo | undefined>;
  /** The room's title, agents and settings, once loaded. */
  $room: ReadableAtom<RoomInfo | undefined>;
  /** Tries to connect again now. */
  reconnect(): void;
}

/**
 * The connection's state, session and room, mirrored from a {@link RoomConnection} while
 * anything listens.
 * @example const { $connection, reconnect } = createConnectionStore(client); $connection.listen(render);
 */
export function createConnectionStore(connection: RoomConnection): ConnectionStore {
  const $connection = atom<ConnectionState>(connection.state());
  const $session = atom<SessionInfo | undefined>(connection.session());
  const $room = atom<RoomInfo | undefined>(connection.room());
  onMount($connection, () => {
    $connection.set(connection.state());
    return connection.on('state', (state) => $connection.set(state));
  });
  onMount($session, () => {
    $session.set(connection.session());
    return connection.on('session', (session) => $session.set(session));
  });
  onMount($room, () => {
    $room.set(connection.room());
    return connection.on('room', (room) => $room.set(room));
  });
  return { $connection, $session, $room, reconnect: () => connection.reconnect() };
}
