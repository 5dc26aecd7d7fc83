import { atom, computed, onMount, type ReadableAtom } from 'nanostores';
import type { Message } from '../../protocol/room.ts';
import { cutText } from '../../protocol/text.ts';
import type { RoomConnection } from '../room/room-connection.ts';

export interface TypingStore {
  /** Names of the others typing now, in the order they started. */
  $typing: ReadableAtom<string[]>;
  /** The local user typed (throttled and expiring on the wire). */
  noteTyping(): void;
  /** The local user stopped (sent, cleared, left). */
  stopTyping(): void;
}

/** A typing indicator not refreshed for this long disappears (senders refresh every 3 s). */
export const TYPING_EXPIRY_MS = 5_000;
/** Names shown in presence and typing are cut to this many UTF-16 units (the hub cuts to 64 code points). */
export const MAX_NAME_LENGTH = 64;

/** A name from the channel as it may be shown: a string, cut without splitting a character. */
export function displayName(name: unknown): string {
  return typeof name === 'string' ? cutText(name, MAX_NAME_LENGTH) : '';
}

/**
 * Typing indicators that never get stuck: each entry expires {@link TYPING_EXPIRY_MS} after its
 * last refresh, and goes at once on `typing: false` or when that person's message arrives.
 * @example const { $typing } = createTypingStore(client); // ['Grace']
 */
export function createTypingStore(
  connection: RoomConnection,
  options: { expiryMs?: number } = {},
): TypingStore {
  const expiryMs = options.expiryMs ?? TYPING_EXPIRY_MS;
  const $entries = atom<{ id: string; name: string }[]>([]);
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const remove = (id: string) => {
    clearTimeout(timers.get(id));
    timers.delete(id);
    if ($entries.get().some((entry) => entry.id === id))
      $entries.set($entries.get().filter((entry) => entry.id !== id));
  };

  onMount($entries, () => {
    // Payloads come from other browsers (or a hosted Realtime that cannot check them): anything malformed is ignored.
    const offTyping = connection.on('typing', (payload: unknown) => {
      const { participantId, name: rawName, typing } = (payload ?? {}) as Record<string, unknown>;
      if (typeof participantId !== 'string') return;
      if (typing !== true) {
        remove(participantId);
        return;
      }
      clearTimeout(timers.get(participantId));
      timers.set(
        participantId,
        setTimeout(() => remove(participantId), expiryMs),
      );
      const name = displayName(rawName);
      const entries = $entries.get();
      const known = entries.find((entry) => entry.id === participantId);
      if (!known) $entries.set([...entries, { id: participantId, name }]);
      else if (known.name !== name)
        $entries.set(
          entries.map((entry) =>
            entry.id === participantId ? { id: participantId, name } : entry,
          ),
        );
    });
    const offLive = connection.on('live', ({ event, payload }) => {
      const author = (payload as { message?: Message } | null)?.message?.author;
      if (event === 'message' && typeof author?.id === 'string') remove(author.id);
    });
    return () => {
      offTyping();
      offLive();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      $entries.set([]);
    };
  });

  return {
    $typing: computed($entries, (entries) => entries.map((entry) => entry.name)),
    noteTyping: () => connection.setTyping(true),
    stopTyping: () => connection.setTyping(false),
  };
}
