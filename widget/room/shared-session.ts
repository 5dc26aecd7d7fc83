// A RoomClient on a session it does not own (docs/architecture.md §8): staff read a conversation
// with the token of its support room. Its own module, so the widget's bundle (which always keeps
// its own session) does not carry it.
import type { RoomSummary, SessionResponse } from './api-types.ts';
import type { Keeper } from './session-keeper.ts';

/**
 * A session someone else keeps (the inbox's staff session): RoomClient reads its token, asks it
 * for a new one after a 401 or a channel the server closed, and follows its refreshes; it never
 * creates, stores or stops it.
 */
export interface SharedSession {
  current(): SessionResponse;
  /** Gets a new token now; resolves false when that failed. */
  refresh(): Promise<boolean>;
  /** Called with every new token; returns the way to stop listening. */
  onSession(listener: (session: SessionResponse) => void): () => void;
}

/** `RoomClientOptions.session`: the keeper of the client's session, given its `onSession`. */
export type SessionSource = (
  onSession: (session: SessionResponse, previous: SessionResponse | undefined) => void,
) => Keeper;

/**
 * `shared`, as the session of `room` (a room its token is good for, e.g. a conversation of the
 * staff session's support room): REST calls and the channel go to `room`. The room is only its
 * id and title: the shared session's room (the support room) has settings that are not this
 * room's (its welcome, its "Talk to a person").
 * @example
 * const client = new RoomClient({ server, room: 'c_…', user: { name }, session: shareSession(staff, 'c_…') });
 */
export function shareSession(shared: SharedSession, room: string): SessionSource {
  return (onSession) => {
    let last: SessionResponse | undefined;
    let off: (() => void) | undefined;
    const here = (session: SessionResponse): SessionResponse => ({
      ...session,
      room: { id: room, title: session.room.title } as RoomSummary,
    });
    const accept = (session: SessionResponse): SessionResponse => {
      const previous = last;
      last = here(session);
      onSession(last, previous);
      return last;
    };
    return {
      get session() {
        return (last ??= here(shared.current()));
      },
      refresh: () => shared.refresh(),
      check() {}, // the owner refreshes it on time
      async start() {
        off ??= shared.onSession(accept);
        last = undefined;
        return accept(shared.current());
      },
      stop() {
        off?.();
        off = undefined;
      },
      async setUser() {}, // the owner's name and identity
    };
  };
}
