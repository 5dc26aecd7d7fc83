import { atom, type ReadableAtom } from 'nanostores';
import type { HandoffTarget } from '../../protocol/schemas/conversations.ts';
import type { ConversationStatus, Message, RoomEvents } from '../../protocol/room.ts';
import type { ChorusError } from '../../widget/lib/chorus-error.ts';
import type { RoomChannelFactory } from '../../widget/room/room-channel.ts';
import { RoomClient, type RoomClientOptions } from '../../widget/room/room-client.ts';
import { shareSession } from '../../widget/room/shared-session.ts';
import type { Credential, InboxApi } from '../api/inbox-api.ts';
import {
  createConversationListStore,
  type ConversationListStore,
} from '../stores/conversation-list.ts';
import {
  createInboxChannel,
  type InboxChannel,
  type InboxChannelFactory,
} from './inbox-channel.ts';
import { StaffSession } from './staff-session.ts';

export type InboxLiveStatus = 'connecting' | 'open' | 'reconnecting';

export interface SupportInboxOptions {
  server: string;
  api: InboxApi;
  staff: StaffSession;
  fetch?: typeof fetch;
  createInboxChannel?: InboxChannelFactory;
  createChannel?: RoomChannelFactory;
  onError(error: ChorusError): void;
}

/**
 * One support conversation, live, as staff read it: the widget's RoomClient on the conversation
 * (`room:<id>` and `/api/rooms/<id>/…`) with the staff session of its support room.
 */
export class ConversationConnection extends RoomClient {
  readonly conversationId: string;

  constructor(
    options: Omit<RoomClientOptions, 'room' | 'user' | 'session'> & {
      conversationId: string;
      staff: StaffSession;
    },
  ) {
    const { conversationId, staff, ...rest } = options;
    super({
      ...rest,
      room: conversationId,
      user: { name: staff.current.participant.name },
      session: shareSession(
        {
          current: () => staff.current,
          refresh: () => staff.refresh(),
          onSession: (listener) => staff.onSession(listener),
        },
        conversationId,
      ),
    });
    this.conversationId = conversationId;
  }

  /** Staff typing is not shown to visitors (a person typing would hint at a reply that may not come). */
  override setTyping(): void {}
}

/** How long after the last read a conversation that keeps getting messages is marked read again. */
const READ_EVERY_MS = 2_000;

/**
 * One support room as its staff work it (docs/architecture.md §8): the live conversation list
 * (first page over REST, then `inbox:<room>`; every rejoin fetches the first page again, so
 * nothing missed while away stays missed), the conversation being read, and the staff actions.
 * @example
 * const inbox = new SupportInbox({ server, api, staff, onError });
 * inbox.connect();
 * const connection = inbox.open('c_…');
 */
export class SupportInbox {
  readonly room: string;
  readonly list: ConversationListStore;
  readonly #options: SupportInboxOptions;
  readonly #live = atom<InboxLiveStatus>('connecting');
  #channel: InboxChannel | undefined;
  #offSession: (() => void) | undefined;
  #open: ConversationConnection | undefined;
  #offOpen: (() => void)[] = [];
  #lastRead = 0;
  #readTimer: ReturnType<typeof setTimeout> | undefined;
  /** Read means seen: a conversation open in a hidden tab is marked read when the tab shows again. */
  readonly #onVisible = () => {
    if (isVisible()) this.#scheduleRead();
  };

  /** Starts a staff session for `room` with the operator's credential, then the inbox of it, live. */
  static async open(
    options: Omit<SupportInboxOptions, 'staff'> & {
      credential: Credential;
      room: string;
      name: string;
    },
  ): Promise<SupportInbox> {
    const staff = await StaffSession.start(
      options.api,
      options.credential,
      options.room,
      options.name,
      options.onError,
    );
    const inbox = new SupportInbox({ ...options, staff });
    inbox.connect();
    return inbox;
  }

  constructor(options: SupportInboxOptions) {
    this.#options = options;
    this.room = options.staff.room;
    this.list = createConversationListStore({
      fetchPage: (query) =>
        this.#authorized((token) => options.api.listConversations(this.room, token, query)),
    });
  }

  /** Whether the list is live: the inbox channel joined. */
  get $live(): ReadableAtom<InboxLiveStatus> {
    return this.#live;
  }

  get staff(): StaffSession {
    return this.#options.staff;
  }

  connect(): void {
    if (this.#channel) return;
    const { staff } = this.#options;
    const { realtime, token } = staff.current;
    const factory = this.#options.createInboxChannel ?? createInboxChannel;
    const channel = factory({
      url: realtime.url,
      apikey: realtime.apikey,
      token,
      roomId: this.room,
    });
    this.#channel = channel;
    this.#offSession = staff.onSession((session) => channel.setAuth(session.token));
    void this.list.refresh();
    globalThis.document?.addEventListener('visibilitychange', this.#onVisible);
    channel.join({
      onStatus: (status) => {
        if (status === 'SUBSCRIBED') {
          // A rejoin after a loss: what changed meanwhile comes with the first page.
          if (this.#live.get() !== 'connecting') void this.list.refresh();
          this.#live.set('open');
        } else this.#live.set('reconnecting');
      },
      onConversation: (conversation) => {
        if (conversation.parent !== this.room) return;
        this.list.upsert(conversation);
        if (conversation.id === this.#open?.conversationId && conversation.unread > 0)
          this.#scheduleRead();
      },
    });
  }

  /** Opens a conversation (closing the one open before) and marks it read. */
  open(conversationId: string): ConversationConnection {
    if (this.#open?.conversationId === conversationId) return this.#open;
    this.closeConversation();
    const connection = new ConversationConnection({
      server: this.#options.server,
      conversationId,
      staff: this.#options.staff,
      ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
      ...(this.#options.createChannel ? { createChannel: this.#options.createChannel } : {}),
    });
    this.#open = connection;
    this.#offOpen = [
      connection.on('live', ({ event, payload }) => {
        // A status change by anyone (this page's own comes back too, and the room's status at every join).
        if (event === 'conversation-status')
          this.#setStatus(conversationId, (payload as RoomEvents['conversation-status']).status);
        this.#scheduleRead();
      }),
    ];
    connection.connect();
    this.#lastRead = 0;
    this.#scheduleRead();
    return connection;
  }

  closeConversation(): void {
    clearTimeout(this.#readTimer);
    this.#readTimer = undefined;
    for (const off of this.#offOpen) off();
    this.#offOpen = [];
    void this.#open?.disconnect();
    this.#open = undefined;
  }

  /** Take over (`human`), hand back (`agents`) or close a conversation. */
  async handoff(conversationId: string, to: HandoffTarget): Promise<ConversationStatus> {
    const status = await this.#authorized((token) =>
      this.#options.api.handoff(conversationId, token, to),
    );
    this.#setStatus(conversationId, status);
    return status;
  }

  async deleteMessage(conversationId: string, messageId: string): Promise<Message> {
    const message = await this.#authorized((token) =>
      this.#options.api.deleteMessage(conversationId, token, messageId),
    );
    // Removed in place at once (its broadcast comes too, and is then ignored).
    if (this.#open?.conversationId === conversationId) this.#open.merge([message]);
    return message;
  }

  mute(
    conversationId: string,
    participantId: string,
    muted: boolean,
  ): Promise<{ participantId: string; muted: boolean; until: string | null }> {
    return this.#authorized((token) =>
      this.#options.api.mute(conversationId, token, participantId, { muted }),
    );
  }

  async disconnect(): Promise<void> {
    this.closeConversation();
    globalThis.document?.removeEventListener('visibilitychange', this.#onVisible);
    this.#offSession?.();
    const channel = this.#channel;
    this.#channel = undefined;
    await channel?.close();
  }

  #setStatus(conversationId: string, status: ConversationStatus): void {
    const known = this.list.$conversations.get().find((row) => row.id === conversationId);
    if (known && known.status !== status)
      this.list.upsert({ ...known, status, waiting: status === 'waiting' });
  }

  /** Marks the open conversation read now, or once {@link READ_EVERY_MS} have passed since the last time. */
  #scheduleRead(): void {
    const open = this.#open;
    if (!open || this.#readTimer !== undefined || !isVisible()) return;
    const wait = Math.max(0, this.#lastRead + READ_EVERY_MS - Date.now());
    this.#readTimer = setTimeout(() => {
      this.#readTimer = undefined;
      if (this.#open !== open) return;
      this.#lastRead = Date.now();
      this.list.markRead(open.conversationId);
      void this.#authorized((token) =>
        this.#options.api.markRead(open.conversationId, token),
      ).catch((error: unknown) => this.#options.onError(error as ChorusError));
    }, wait);
  }

  /** A call with the staff token, refreshed once after a 401. */
  async #authorized<T>(call: (token: string) => Promise<T>): Promise<T> {
    const { staff } = this.#options;
    try {
      return await call(staff.token);
    } catch (error) {
      if ((error as ChorusError).status !== 401 || !(await staff.refresh())) throw error;
      return call(staff.token);
    }
  }
}

function isVisible(): boolean {
  return globalThis.document?.visibilityState !== 'hidden';
}
