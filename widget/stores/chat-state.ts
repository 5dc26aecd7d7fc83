import { computed, type ReadableAtom } from 'nanostores';
import type { ChorusError } from '../lib/chorus-error.ts';
import type { Scheduler } from '../lib/frame.ts';
import type { AgentInfo } from '../room/api-types.ts';
import type { RoomConnection } from '../room/room-connection.ts';
import { createComposerStore, type ComposerStore } from './composer.ts';
import { createConnectionStore, type ConnectionStore } from './connection.ts';
import { createPresenceStore, type PresenceStore } from './presence.ts';
import { createTranscriptStore, type TranscriptStore } from './transcript.ts';
import { createTypingStore, type TypingStore } from './typing.ts';
import { createUnreadStore, type UnreadMarker, type UnreadStore } from './unread.ts';

/** Everything one `<chorus-chat>` shows and does, for one room connection. */
export interface ChatState {
  readonly connection: RoomConnection;
  readonly status: ConnectionStore;
  readonly transcript: TranscriptStore;
  readonly presence: PresenceStore;
  readonly typing: TypingStore;
  readonly unread: UnreadStore;
  readonly composer: ComposerStore;
  readonly $agents: ReadableAtom<readonly AgentInfo[]>;
}

/**
 * The stores of one chat element. They are per element, not module singletons, so two chats
 * on a page (two rooms, or a launcher and an inline chat) never share state.
 * @example const state = createChatState(new RoomClient({ server, room, user }), { onError: report });
 */
export function createChatState(
  connection: RoomConnection,
  options: {
    schedule?: Scheduler;
    onError(error: ChorusError): void;
    /** Keeps the unread count across reloads (the element's own room connection). */
    marker?: UnreadMarker;
  },
): ChatState {
  const status = createConnectionStore(connection);
  const transcript = createTranscriptStore(connection, {
    $session: status.$session,
    onError: options.onError,
    ...(options.schedule ? { schedule: options.schedule } : {}),
  });
  const presence = createPresenceStore(connection, {
    $room: status.$room,
    $session: status.$session,
    $messages: transcript.$messages,
  });
  const typing = createTypingStore(connection);
  const unread = createUnreadStore(connection, {
    $session: status.$session,
    ...(options.marker ? { marker: options.marker } : {}),
  });
  const $agents = computed(status.$room, (room) => room?.agents ?? []);
  const composer = createComposerStore({
    $agents,
    send: (text) => transcript.sendMessage(text),
    typing,
  });
  return { connection, status, transcript, presence, typing, unread, composer, $agents };
}
