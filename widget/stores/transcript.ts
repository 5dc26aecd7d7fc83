import { atom, computed, onMount, type ReadableAtom } from 'nanostores';
import type { Message, RoomEvents } from '../../protocol/room.ts';
import { toChorusError, type ChorusError } from '../lib/chorus-error.ts';
import { shortenText } from '../../protocol/text.ts';
import { createBatcher, nextFrame, type Scheduler } from '../lib/frame.ts';
import { createUuid } from '../lib/uuid.ts';
import type { LiveEvent, RoomConnection, SessionInfo } from '../room/room-connection.ts';

/** A message as the list shows it: persisted, or one of ours still being sent (or that failed). */
export interface ChatMessage extends Message {
  /** Written by the current user. */
  own: boolean;
  /** Only for our messages not yet stored: `sending`, or `failed` (with the reason) awaiting Retry. */
  delivery?: 'sending' | 'failed';
  deliveryError?: { code: string; message: string };
}

/** Something to say to screen readers: a finished message, with its speaker. */
export interface Announcement {
  key: string;
  kind: 'message' | 'error' | 'stopped';
  name: string;
  text: string;
}

export interface TranscriptStore {
  /** The transcript, oldest first, with our unsent messages at the end; updated at most once per animation frame. */
  $messages: ReadableAtom<ChatMessage[]>;
  /** Replies streaming now. */
  $streaming: ReadableAtom<ChatMessage[]>;
  $hasOlder: ReadableAtom<boolean>;
  $loadingOlder: ReadableAtom<boolean>;
  /** The last few finished messages to announce (not every token). */
  $announcements: ReadableAtom<Announcement[]>;
  /** A stop, regenerate or history load that failed just now (cleared after a while, or by the next success). */
  $actionError: ReadableAtom<{ code: string; message: string } | null>;
  /** Sends a message with a fresh client-minted id; resolves false if it failed (it stays, with Retry). */
  sendMessage(text: string): Promise<boolean>;
  /** Sends a failed message again with the same id, so it can never be stored twice. */
  retryMessage(id: string): Promise<boolean>;
  stopMessage(id: string): Promise<void>;
  stopAll(): Promise<void>;
  /** Retry after an error, or another answer: the same agent answers the same message again. */
  regenerate(id: string): Promise<void>;
  /** "Talk to a person": asks for someone of the team (a support conversation). */
  askForPerson(): Promise<void>;
  loadOlder(): Promise<void>;
}

interface OutboxEntry {
  id: string;
  content: string;
  createdAt: string;
  delivery: 'sending' | 'failed';
  error?: { code: string; message: string };
  /** Failed for a reason a reconnect may cure (network, 5xx): sent again once the connection is back. */
  resend?: boolean;
}

export interface TranscriptStoreOptions {
  /** When the list is re-read after changes (default: the next animation frame). */
  schedule?: Scheduler;
  $session: ReadableAtom<SessionInfo | undefined>;
  /** A user action failed (the host gets `chorus-error`). */
  onError(error: ChorusError): void;
}

const ANNOUNCEMENTS_KEPT = 5;
const ACTION_ERROR_MS = 8_000;
const ANNOUNCED_CHARACTERS = 300;

/**
 * The transcript of the room for the UI, and the actions on it. Deltas can arrive dozens of
 * times a second per agent; the list is re-read from the connection at most once per animation
 * frame, so several streaming replies cost one render per frame.
 * @example
 * const transcript = createTranscriptStore(client, { $session, onError });
 * await transcript.sendMessage('@sage hello');
 */
export function createTranscriptStore(
  connection: RoomConnection,
  options: TranscriptStoreOptions,
): TranscriptStore {
  const $server = atom<Message[]>(connection.messages());
  const $outbox = atom<OutboxEntry[]>([]);
  const $hasOlder = atom(connection.hasOlder());
  const $loadingOlder = atom(false);
  const $announcements = atom<Announcement[]>([]);
  const $actionError = atom<{ code: string; message: string } | null>(null);
  let actionErrorTimer: ReturnType<typeof setTimeout> | undefined;
  const { $session } = options;

  function reportAction(error: ChorusError | null): void {
    clearTimeout(actionErrorTimer);
    $actionError.set(error && { code: error.code, message: error.message });
    if (error) {
      actionErrorTimer = setTimeout(() => $actionError.set(null), ACTION_ERROR_MS);
      options.onError(error);
    }
  }

  const batch = createBatcher(() => {
    $server.set(connection.messages());
    $hasOlder.set(connection.hasOlder());
  }, options.schedule ?? nextFrame);

  onMount($server, () => {
    batch.flushNow();
    const offTranscript = connection.on('transcript', () => batch.request());
    const offLive = connection.on('live', (live) => announce(live));
    // Back online: what could not be sent goes again, with its id (the server stores it once).
    const offState = connection.on('state', ({ status }) => {
      if (status !== 'open') return;
      for (const entry of $outbox.get()) if (entry.resend) void resend(entry.id);
    });
    return () => {
      offTranscript();
      offLive();
      offState();
      batch.cancel();
    };
  });

  // The same ChatMessage object for an unchanged message, so the list re-renders only what changed.
  const decorated = new WeakMap<Message, { self: string | undefined; message: ChatMessage }>();
  const decorate = (message: Message, self: string | undefined): ChatMessage => {
    const cached = decorated.get(message);
    if (cached && cached.self === self) return cached.message;
    const chatMessage = {
      ...message,
      own: message.author.kind === 'human' && message.author.id === self,
    };
    decorated.set(message, { self, message: chatMessage });
    return chatMessage;
  };

  const $messages = computed(
    [$server, $outbox, $session],
    (server, outbox, session): ChatMessage[] => {
      const self = session?.participant.id;
      const stored = new Set(server.map((message) => message.id));
      const list: ChatMessage[] = server.map((message) => decorate(message, self));
      for (const entry of outbox) {
        if (stored.has(entry.id)) continue;
        list.push({
          id: entry.id,
          roomId: session?.room.id ?? '',
          author: { kind: 'human', id: self ?? '', name: session?.participant.name ?? '' },
          content: entry.content,
          parts: [],
          status: 'complete',
          seq: 0,
          replyTo: null,
          reason: null,
          model: null,
          usage: null,
          error: null,
          createdAt: entry.createdAt,
          updatedAt: entry.createdAt,
          own: true,
          delivery: entry.delivery,
          ...(entry.error ? { deliveryError: entry.error } : {}),
        });
      }
      return list;
    },
  );
  const $streaming = computed($messages, (list) =>
    list.filter((message) => message.status === 'streaming'),
  );

  function announce({ event, payload }: LiveEvent): void {
    if (event !== 'message' && event !== 'message-end') return;
    const { message } = payload as RoomEvents['message'];
    if (message.author.kind === 'human' && message.author.id === $session.get()?.participant.id)
      return;
    const kind: Announcement['kind'] =
      message.status === 'cancelled'
        ? 'stopped'
        : message.status === 'error' || message.status === 'interrupted'
          ? 'error'
          : 'message';
    const next: Announcement = {
      key: `${message.id}:${message.updatedAt}`,
      kind,
      name: message.author.name,
      text: plainText(message.content),
    };
    $announcements.set([...$announcements.get(), next].slice(-ANNOUNCEMENTS_KEPT));
  }

  function updateOutbox(id: string, change: Partial<OutboxEntry> | null): void {
    $outbox.set(
      $outbox
        .get()
        .map((entry) => (entry.id === id && change ? { ...entry, ...change } : entry))
        .filter((entry) => entry.id !== id || change !== null),
    );
  }

  async function deliver(entry: OutboxEntry): Promise<boolean> {
    try {
      await connection.postMessage({ id: entry.id, content: entry.content });
      batch.flushNow();
      updateOutbox(entry.id, null);
      return true;
    } catch (error) {
      const failure = toChorusError(error);
      updateOutbox(entry.id, {
        delivery: 'failed',
        error: { code: failure.code, message: failure.message },
        resend: failure.retryable,
      });
      options.onError(failure);
      return false;
    }
  }

  function resend(id: string): Promise<boolean> {
    const entry = $outbox.get().find((candidate) => candidate.id === id);
    if (!entry || entry.delivery === 'sending') return Promise.resolve(false);
    updateOutbox(id, { delivery: 'sending', error: undefined, resend: false });
    return deliver({ ...entry, delivery: 'sending' });
  }

  async function run(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      if ($actionError.get()) reportAction(null);
    } catch (error) {
      reportAction(toChorusError(error));
    }
  }

  return {
    $messages,
    $streaming,
    $hasOlder,
    $loadingOlder,
    $announcements,
    $actionError,
    sendMessage(text) {
      const content = text.trim();
      if (content === '') return Promise.resolve(false);
      const entry: OutboxEntry = {
        id: createUuid(),
        content,
        createdAt: new Date().toISOString(),
        delivery: 'sending',
      };
      $outbox.set([...$outbox.get(), entry]);
      return deliver(entry);
    },
    retryMessage: resend,
    stopMessage: (id) => run(() => connection.stop({ messageId: id })),
    stopAll: () => run(() => connection.stop({ all: true })),
    regenerate: (id) => run(() => connection.regenerate(id)),
    askForPerson: () => run(async () => connection.handoff?.('human')),
    async loadOlder() {
      if ($loadingOlder.get() || !connection.hasOlder()) return;
      $loadingOlder.set(true);
      try {
        await connection.loadOlder();
        batch.flushNow();
      } catch (error) {
        reportAction(toChorusError(error));
      } finally {
        $loadingOlder.set(false);
      }
    },
  };
}

/**
 * Markdown reduced to something to read aloud, cut to a few hundred characters.
 * @example plainText('**Hi** `x`\n\n```js\ncode\n```') // 'Hi x code'
 * @example plainText('_Ask_ @dev_ops') // 'Ask @dev_ops'
 */
export function plainText(markdown: string): string {
  const text = markdown
    .replace(/```[^\n]*\n?/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*~`>#|]+/g, '')
    // Emphasis underscores go; those inside a word (a handle like dev_ops) stay.
    .replace(/(?<![\p{L}\p{N}@])_+|_+(?![\p{L}\p{N}])/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return shortenText(text, ANNOUNCED_CHARACTERS);
}
