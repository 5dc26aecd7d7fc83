/**
 * The marker that this tab's visitor has a conversation in a room, and what they last saw of it:
 * written by the full widget (the unread store), read by the loader (`chorus.js`) to decide
 * whether to load the widget at once, so that the launcher can show replies that came while the
 * visitor was away (docs/architecture.md §10, "Widget delivery"). One module, imported by both, holds
 * the key so that the two never disagree.
 *
 * It lives where the session token lives, the tab's sessionStorage (room-client.ts): the
 * conversation is resumable exactly as long as the participant is (docs/decisions.md, "The lazy
 * loader").
 */

export interface ConversationMarker {
  /** `updatedAt` of the newest finished message the visitor has seen (ISO 8601, comparable as text). */
  seenAt: string;
}

type MarkerStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** The storage key of a room of a server, as the chat's `server` and `room` name it. */
export function conversationMarkerKey(server: string, room: string): string {
  return `chorus:conversation:${server}:${room}`;
}

function defaultStorage(): MarkerStorage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** The marker of a room, or null when the visitor has no conversation there (or storage is off). */
export function readConversationMarker(
  server: string,
  room: string,
  storage: MarkerStorage | null = defaultStorage(),
): ConversationMarker | null {
  try {
    const value: unknown = JSON.parse(
      storage?.getItem(conversationMarkerKey(server, room)) ?? 'null',
    );
    const seenAt = (value as Partial<ConversationMarker> | null)?.seenAt;
    return typeof seenAt === 'string' ? { seenAt } : null;
  } catch {
    return null;
  }
}

/** Writes the marker (a full or blocked storage only loses the eager load of a later page view). */
export function writeConversationMarker(
  server: string,
  room: string,
  marker: ConversationMarker,
  storage: MarkerStorage | null = defaultStorage(),
): void {
  try {
    storage?.setItem(conversationMarkerKey(server, room), JSON.stringify(marker));
  } catch {
    // Private mode or quota: nothing to do.
  }
}
