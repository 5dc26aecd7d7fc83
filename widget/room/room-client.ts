// The widget's live room: session, channel, catch-up and REST behind one RoomConnection.
// Why one file: it is the one place that orders connection states against each other (a token
// refresh during a rejoin during a catch-up); the parts without such ordering are split out
// (session-keeper.ts, room-channel.ts, transcript-sync.ts, room-api.ts, typing-sender.ts).
import type { ConversationStatus, Message, PresenceMeta, RoomEvents } from '../../protocol/room.ts';
import type { HandoffTarget } from '../../protocol/schemas/conversations.ts';
import { jitteredBackoff } from '../lib/backoff.ts';
import { ChorusError, toChorusError, WIDGET_ERROR_CODE } from '../lib/chorus-error.ts';
import { Emitter } from '../lib/emitter.ts';
import type { ChorusUser, SessionResponse, StopTarget } from './api-types.ts';
import { createRealtimeChannel } from './realtime-channel.ts';
import { RoomApi } from './room-api.ts';
import type { ChannelStatus, RoomChannel, RoomChannelFactory } from './room-channel.ts';
import type {
  ConnectionState,
  RoomConnection,
  RoomConnectionEvents,
  RoomInfo,
  SessionInfo,
} from './room-connection.ts';
import { SessionKeeper, type Keeper } from './session-keeper.ts';
import type { SessionSource } from './shared-session.ts';
import { TranscriptSync } from './transcript-sync.ts';
import { TypingSender } from './typing-sender.ts';

export interface RoomClientOptions {
  /** The Chorus server's base URL. */
  server: string;
  /**
   * The room asked for in `POST /api/session`; with `session`, the room of the REST calls and of
   * the channel (e.g. a conversation of the staff session's support room).
   */
  room: string;
  user: ChorusUser;
  /**
   * A session this client does not own, instead of its own `POST /api/session`: e.g.
   * `shareSession(staff, conversation)` (shared-session.ts); then `user` and `storage` are unused.
   */
  session?: SessionSource;
  fetch?: typeof fetch;
  /** Builds the room channel (default: realtime-js). */
  createChannel?: RoomChannelFactory;
  /** Where the session token survives reloads (default: the tab's sessionStorage). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** A WebSocket constructor where there is none (Node tests). */
  transport?: unknown;
  pageSize?: number;
  /** How often stale replies and an overdue token are checked (default 5 000 ms). */
  watchdogMs?: number;
  staleMs?: number;
  random?: () => number;
  now?: () => number;
}

/** How long a call made while connecting waits for the session. */
const SESSION_WAIT_MS = 20_000;

/** REST statuses after which trying again will not help (until something changes). */
const FATAL_STATUSES = new Set([400, 401, 403, 404, 409, 410, 413, 415, 422]);

/**
 * A room, live (docs/architecture.md §3): the session (refreshed before expiry), the room and its
 * agents, the private Realtime channel (presence, broadcasts, typing), the catch-up merge, and
 * the REST calls. Connection trouble is state (`state` event), never an exception: the socket
 * reconnects with jittered back-off, each rejoin runs the catch-up again, a channel the server
 * closed is reopened with a fresh token, and a refused session is an `error` state until
 * `reconnect()`.
 * @example
 * const client = new RoomClient({ server: 'https://chat.example.com', room: 'lobby', user: { name: 'Ada' } });
 * client.on('transcript', () => render(client.messages()));
 * client.connect();
 */
export class RoomClient implements RoomConnection {
  readonly #events = new Emitter<RoomConnectionEvents>();
  readonly #api: RoomApi;
  readonly #keeper: Keeper;
  readonly #typing: TypingSender;
  readonly #sync: TranscriptSync;
  #channel: RoomChannel | undefined;
  #current: ConnectionState = { status: 'idle', attempt: 0 };
  #roomInfo: RoomInfo | undefined;
  #started = false;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #catchUpRun = 0;
  readonly #random: () => number;
  readonly #createChannel: RoomChannelFactory;
  readonly #onVisible = () => {
    if (globalThis.document?.visibilityState === 'visible') this.#keeper.check();
  };
  readonly #onOnline = () => {
    if (this.#current.status === 'reconnecting' || this.#current.status === 'error')
      this.reconnect();
  };

  readonly #options: RoomClientOptions;

  constructor(options: RoomClientOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#createChannel = options.createChannel ?? createRealtimeChannel;
    this.#api = new RoomApi({
      server: options.server,
      room: options.room,
      target: () => this.#keeper.session?.room.id,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      token: () => this.#keeper.session?.token,
      refresh: () => this.#keeper.refresh(),
    });
    this.#keeper = options.session
      ? options.session((session, previous) => this.#onSession(session, previous))
      : new SessionKeeper({
          createSession: (user, bearer) => this.#api.createSession(user, bearer),
          storage: options.storage === undefined ? defaultStorage() : options.storage,
          // Per name too: two chats of one room in one tab (two people side by side) stay two participants.
          storageKey: `chorus:session:${options.server}:${options.room}:${typeof options.user.identity === 'object' ? options.user.identity.userId : options.user.name}`,
          ...(options.now ? { now: options.now } : {}),
          random: this.#random,
          onSession: (session, previous) => this.#onSession(session, previous),
          onError: (error) => this.#events.emit('error', error),
        });
    this.#typing = new TypingSender({ send: (typing) => this.#sendTyping(typing) });
    this.#sync = this.#createSync();
  }

  on<Name extends keyof RoomConnectionEvents>(
    name: Name,
    listener: (value: RoomConnectionEvents[Name]) => void,
  ): () => void {
    return this.#events.on(name, listener);
  }

  state(): ConnectionState {
    return this.#current;
  }

  session(): SessionInfo | undefined {
    const session = this.#keeper.session;
    return session && { participant: session.participant, room: session.room };
  }

  room(): RoomInfo | undefined {
    return this.#roomInfo;
  }

  messages(): Message[] {
    return this.#sync.transcript.list();
  }

  hasOlder(): boolean {
    return this.#sync.hasOlder;
  }

  loadOlder(): Promise<void> {
    return this.#sync.loadOlder();
  }

  connect(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    globalThis.document?.addEventListener('visibilitychange', this.#onVisible);
    globalThis.addEventListener?.('online', this.#onOnline);
    this.#watchdog = setInterval(() => {
      this.#sync.checkStale();
      this.#keeper.check();
    }, this.#options.watchdogMs ?? 5_000);
    this.#setState({ status: 'connecting', attempt: 0 });
    void this.#start();
  }

  reconnect(): void {
    if (!this.#started || this.#closed) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (!this.#keeper.session) {
      this.#setState({ status: 'connecting', attempt: this.#current.attempt });
      void this.#start();
      return;
    }
    this.#reopenChannel();
  }

  async disconnect(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#watchdog);
    globalThis.document?.removeEventListener('visibilitychange', this.#onVisible);
    globalThis.removeEventListener?.('online', this.#onOnline);
    this.#typing.stop();
    this.#keeper.stop();
    this.#sync.stop();
    const channel = this.#channel;
    this.#channel = undefined;
    await channel?.close().catch(() => {});
    this.#setState({ status: 'idle', attempt: 0 });
    this.#events.clear();
  }

  /** Posts, and shows the stored message at once (its broadcast may come later, or not at all). */
  async postMessage(input: { id: string; content: string }): Promise<Message> {
    this.#typing.stop();
    await this.#sessionReady();
    const message = await this.#api.postMessage(input);
    this.#sync.merge([message]);
    return message;
  }

  async stop(target: StopTarget): Promise<void> {
    await this.#sessionReady();
    await this.#api.stop(target);
  }

  async regenerate(messageId: string): Promise<string> {
    await this.#sessionReady();
    return this.#api.regenerate(messageId);
  }

  /** Shows the new status at once (its broadcast may come later): by us, as the server records it. */
  async handoff(to: HandoffTarget): Promise<ConversationStatus> {
    await this.#sessionReady();
    const status = await this.#api.handoff(to);
    this.#events.emit('live', {
      event: 'conversation-status',
      payload: { status, by: this.#keeper.session?.participant ?? null },
    });
    return status;
  }

  setTyping(typing: boolean): void {
    if (typing) this.#typing.input();
    else this.#typing.stop();
  }

  /** Shows messages as a REST answer returned them (e.g. a message staff deleted), before any broadcast. */
  merge(messages: Message[]): void {
    this.#sync.merge(messages);
  }

  async setUser(user: ChorusUser): Promise<void> {
    this.#options.user = user;
    await this.#keeper.setUser(user);
  }

  /** Resolves once there is a session (a call made while connecting waits for it), or fails after a while. */
  #sessionReady(): Promise<void> {
    if (this.#keeper.session) return Promise.resolve();
    if (this.#closed)
      return Promise.reject(
        new ChorusError(WIDGET_ERROR_CODE.NOT_CONNECTED, 'This chat is closed'),
      );
    return new Promise((resolve, reject) => {
      const done = (error?: ChorusError) => {
        clearTimeout(timer);
        offSession();
        offState();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          done(
            new ChorusError(
              WIDGET_ERROR_CODE.NOT_CONNECTED,
              'Not connected to the chat server yet',
            ),
          ),
        SESSION_WAIT_MS,
      );
      const offSession = this.#events.on('session', () => done());
      const offState = this.#events.on('state', (state) => {
        if (state.status === 'error' || state.status === 'idle')
          done(
            state.error ??
              new ChorusError(WIDGET_ERROR_CODE.NOT_CONNECTED, 'Not connected to the chat server'),
          );
      });
    });
  }

  #createSync(): TranscriptSync {
    return new TranscriptSync({
      fetchPage: (query) => this.#api.listMessages(query),
      ...(this.#options.pageSize ? { pageSize: this.#options.pageSize } : {}),
      ...(this.#options.staleMs ? { staleMs: this.#options.staleMs } : {}),
      ...(this.#options.now ? { now: this.#options.now } : {}),
      random: this.#random,
      onChange: () => this.#events.emit('transcript', undefined),
      onLive: (event, payload) => this.#events.emit('live', { event, payload }),
      onError: (error) => this.#events.emit('error', error),
    });
  }

  /** Session, room, channel; retried with back-off on failures that may pass. */
  async #start(): Promise<void> {
    try {
      await this.#keeper.start(this.#options.user);
      if (this.#closed) return;
      await this.#loadRoom();
      if (this.#closed) return;
      this.#openChannel();
    } catch (error) {
      this.#fail(toChorusError(error));
    }
  }

  async #loadRoom(): Promise<void> {
    const info = await this.#api.getRoom();
    this.#roomInfo = {
      title: info.room.title,
      agents: info.agents,
      settings: info.room.settings,
      lastSession: info.lastSession ?? null,
    };
    this.#events.emit('room', this.#roomInfo);
    // A conversation's status, as it is now (after a reconnect, changes may have been missed).
    if (info.room.status)
      this.#events.emit('live', {
        event: 'conversation-status',
        payload: { status: info.room.status, by: null },
      });
  }

  #onSession(session: SessionResponse, previous: SessionResponse | undefined): void {
    this.#events.emit('session', { participant: session.participant, room: session.room });
    if (!previous || this.#closed) return;
    if (
      previous.participant.id !== session.participant.id ||
      previous.room.id !== session.room.id ||
      previous.realtime.url !== session.realtime.url
    ) {
      this.#reopenChannel(); // a new presence key, conversation or endpoint needs a new channel
      return;
    }
    this.#channel?.setAuth(session.token);
    if (previous.participant.name !== session.participant.name && this.#channel?.isJoined())
      void this.#track();
  }

  #openChannel(): void {
    const session = this.#keeper.session;
    if (!session || this.#closed) return;
    const channel = this.#createChannel({
      url: session.realtime.url,
      apikey: session.realtime.apikey,
      token: session.token,
      roomId: session.room.id,
      presenceKey: session.participant.id,
      reconnectAfterMs: (tries) => jitteredBackoff(tries, { random: this.#random }),
      ...(this.#options.transport ? { transport: this.#options.transport } : {}),
    });
    this.#channel = channel;
    channel.join({
      onStatus: (status, error) => {
        if (this.#channel === channel) this.#onChannelStatus(status, error);
      },
      onBroadcast: (event, payload) => {
        if (this.#channel === channel) this.#onBroadcast(event, payload);
      },
      onPresence: (present) => {
        if (this.#channel === channel) this.#events.emit('presence', present);
      },
    });
  }

  #reopenChannel(): void {
    const old = this.#channel;
    this.#channel = undefined;
    this.#sync.pause();
    void old?.close().catch(() => {});
    this.#setState({ status: 'reconnecting', attempt: this.#current.attempt + 1 });
    this.#openChannel();
  }

  #onChannelStatus(status: ChannelStatus, error?: Error): void {
    switch (status) {
      case 'SUBSCRIBED':
        void this.#track();
        void this.#catchUp();
        return;
      case 'CHANNEL_ERROR':
      case 'TIMED_OUT': {
        this.#sync.pause();
        const reason = error
          ? toChorusError(error, WIDGET_ERROR_CODE.CHANNEL)
          : new ChorusError(WIDGET_ERROR_CODE.TIMEOUT, 'The chat server did not answer in time');
        this.#setState({
          status: 'reconnecting',
          attempt: this.#current.attempt + 1,
          error: reason,
        });
        // realtime-js rejoins by itself; a refused join is usually an expired token.
        if (error && /token|jwt|expired|unauthori[sz]ed|forbidden/i.test(error.message))
          void this.#keeper.refresh();
        return;
      }
      case 'CLOSED':
        // Closed by the server (e.g. at token expiry): realtime-js will not rejoin, so reopen with a fresh token.
        this.#sync.pause();
        this.#setState({ status: 'reconnecting', attempt: this.#current.attempt + 1 });
        this.#scheduleRetry(async () => {
          await this.#keeper.refresh();
          this.#reopenChannel();
        });
        return;
    }
  }

  async #track(): Promise<void> {
    const session = this.#keeper.session;
    if (!session || !this.#channel) return;
    const meta: PresenceMeta = {
      kind: 'human',
      id: session.participant.id,
      name: session.participant.name,
    };
    await this.#channel
      .track(meta)
      .catch((error: unknown) =>
        this.#events.emit('error', toChorusError(error, WIDGET_ERROR_CODE.CHANNEL)),
      );
  }

  async #catchUp(): Promise<void> {
    const run = ++this.#catchUpRun;
    try {
      // Again after a loss: the room may have changed meanwhile (settings, a conversation's status).
      if (!this.#roomInfo || this.#current.status === 'reconnecting') await this.#loadRoom();
      await this.#sync.catchUp();
      if (run !== this.#catchUpRun || this.#closed) return;
      this.#setState({ status: 'open', attempt: 0 });
    } catch (error) {
      if (run !== this.#catchUpRun || this.#closed) return;
      const failure = toChorusError(error);
      this.#events.emit('error', failure);
      this.#setState({
        status: 'reconnecting',
        attempt: this.#current.attempt + 1,
        error: failure,
      });
      this.#scheduleRetry(async () => {
        if (this.#channel?.isJoined()) await this.#catchUp();
      });
    }
  }

  #onBroadcast(event: string, payload: unknown): void {
    if (event === 'typing') {
      const typing = payload as RoomEvents['typing'];
      if (
        typing &&
        typeof typing.participantId === 'string' &&
        typing.participantId !== this.#keeper.session?.participant.id
      )
        this.#events.emit('typing', typing);
      return;
    }
    if (!payload || typeof payload !== 'object') return;
    // Not about the transcript: shown as they come (the server also posts a status change as a notice).
    if (event === 'conversation-status' || event === 'participant-muted')
      this.#events.emit('live', { event, payload });
    else this.#sync.receive(event, payload);
  }

  #sendTyping(typing: boolean): void {
    const session = this.#keeper.session;
    if (!session) return;
    // A hint: a refused or failed update is dropped (the indicator expires on the other side).
    if (session.realtime.typing === 'server') void this.#api.sendTyping(typing).catch(() => {});
    else
      this.#channel?.sendTyping({
        participantId: session.participant.id,
        name: session.participant.name,
        typing,
      });
  }

  #fail(error: ChorusError): void {
    if (this.#closed) return;
    this.#events.emit('error', error);
    if (error.status !== undefined && FATAL_STATUSES.has(error.status)) {
      this.#setState({ status: 'error', attempt: this.#current.attempt, error });
      return;
    }
    this.#setState({ status: 'reconnecting', attempt: this.#current.attempt + 1, error });
    this.#scheduleRetry(() => this.#start());
  }

  #scheduleRetry(retry: () => Promise<void>): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        if (!this.#closed) void retry().catch((error: unknown) => this.#fail(toChorusError(error)));
      },
      jitteredBackoff(Math.max(1, this.#current.attempt), { random: this.#random }),
    );
  }

  #setState(next: ConnectionState): void {
    if (
      this.#current.status === next.status &&
      this.#current.attempt === next.attempt &&
      this.#current.error === next.error
    )
      return;
    this.#current = next;
    this.#events.emit('state', next);
  }
}

function defaultStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
