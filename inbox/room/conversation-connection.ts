// One support conversation, live, as staff see it (docs/architecture.md §8): the widget's
// catch-up (TranscriptSync), REST client (RoomApi) and realtime-js channel, on the conversation's
// `room:<id>` channel with the staff token of its support room. It is a RoomConnection, so the
// widget's stores (and its composer) work on it unchanged.
// Why one file: as in widget/room/room-client.ts, it orders connection states against each other
// (a rejoin during a catch-up, a channel the server closed reopened with a refreshed token); the
// parts without such ordering are the widget's own modules it imports.
import type { Message, PresenceMeta, RoomEvents } from '../../protocol/room.ts';
import { jitteredBackoff } from '../../widget/lib/backoff.ts';
import { ChorusError, toChorusError, WIDGET_ERROR_CODE } from '../../widget/lib/chorus-error.ts';
import { Emitter } from '../../widget/lib/emitter.ts';
import type { HandoffTarget } from '../../protocol/schemas/conversations.ts';
import type { ChorusUser, StopTarget } from '../../widget/room/api-types.ts';
import { createRealtimeChannel } from '../../widget/room/realtime-channel.ts';
import { RoomApi } from '../../widget/room/room-api.ts';
import type {
  ChannelStatus,
  RoomChannel,
  RoomChannelFactory,
} from '../../widget/room/room-channel.ts';
import type {
  ConnectionState,
  RoomConnection,
  RoomConnectionEvents,
  RoomInfo,
  SessionInfo,
} from '../../widget/room/room-connection.ts';
import { TranscriptSync } from '../../widget/room/transcript-sync.ts';
import type { StaffSession } from './staff-session.ts';

/** The staff-only events of a conversation's channel, as the conversation view needs them. */
export interface ConversationEvents {
  'conversation-status': RoomEvents['conversation-status'];
  'participant-muted': RoomEvents['participant-muted'];
}

export interface ConversationConnectionOptions {
  server: string;
  conversationId: string;
  staff: StaffSession;
  fetch?: typeof fetch;
  createChannel?: RoomChannelFactory;
  /** A WebSocket constructor where there is none. */
  transport?: unknown;
  watchdogMs?: number;
}

/**
 * @example
 * const connection = new ConversationConnection({ server, conversationId: 'c_…', staff });
 * const state = createChatState(connection, { onError });
 * connection.connect();
 */
export class ConversationConnection implements RoomConnection {
  readonly conversationId: string;
  readonly #events = new Emitter<RoomConnectionEvents>();
  readonly #staffEvents = new Emitter<ConversationEvents>();
  readonly #options: ConversationConnectionOptions;
  readonly #api: RoomApi;
  readonly #sync: TranscriptSync;
  readonly #createChannel: RoomChannelFactory;
  #channel: RoomChannel | undefined;
  #roomInfo: RoomInfo | undefined;
  #current: ConnectionState = { status: 'idle', attempt: 0 };
  #started = false;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #offSession: (() => void) | undefined;

  constructor(options: ConversationConnectionOptions) {
    this.#options = options;
    this.conversationId = options.conversationId;
    this.#createChannel = options.createChannel ?? createRealtimeChannel;
    this.#api = new RoomApi({
      server: options.server,
      room: options.conversationId,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      token: () => options.staff.token,
      refresh: () => options.staff.refresh(),
    });
    this.#sync = new TranscriptSync({
      fetchPage: (query) => this.#api.listMessages(query),
      onChange: () => this.#events.emit('transcript', undefined),
      onLive: (event, payload) => this.#events.emit('live', { event, payload }),
      onError: (error) => this.#events.emit('error', error),
    });
  }

  on<Name extends keyof RoomConnectionEvents>(
    name: Name,
    listener: (value: RoomConnectionEvents[Name]) => void,
  ): () => void {
    return this.#events.on(name, listener);
  }

  /** Status changes and mutes broadcast on the conversation's channel. */
  onStaffEvent<Name extends keyof ConversationEvents>(
    name: Name,
    listener: (value: ConversationEvents[Name]) => void,
  ): () => void {
    return this.#staffEvents.on(name, listener);
  }

  state(): ConnectionState {
    return this.#current;
  }

  session(): SessionInfo | undefined {
    const { participant } = this.#options.staff.current;
    return {
      participant: { id: participant.id, name: participant.name },
      room: { id: this.conversationId, title: this.#roomInfo?.title ?? '' },
    };
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
    this.#setState({ status: 'connecting', attempt: 0 });
    this.#events.emit('session', this.session()!);
    // A refreshed staff token reaches the open channel too.
    this.#offSession = this.#options.staff.onSession((session) =>
      this.#channel?.setAuth(session.token),
    );
    this.#watchdog = setInterval(() => this.#sync.checkStale(), this.#options.watchdogMs ?? 5_000);
    void this.#start();
  }

  reconnect(): void {
    if (!this.#started || this.#closed) return;
    clearTimeout(this.#retryTimer);
    this.#reopenChannel();
  }

  async disconnect(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#watchdog);
    this.#offSession?.();
    this.#sync.stop();
    const channel = this.#channel;
    this.#channel = undefined;
    await channel?.close().catch(() => {});
    this.#setState({ status: 'idle', attempt: 0 });
    this.#events.clear();
    this.#staffEvents.clear();
  }

  /** Posts as staff (the server marks the author's role), and shows the stored message at once. */
  async postMessage(input: { id: string; content: string }): Promise<Message> {
    const message = await this.#api.postMessage(input);
    this.#sync.merge([message]);
    return message;
  }

  stop(target: StopTarget): Promise<void> {
    return this.#api.stop(target);
  }

  regenerate(messageId: string): Promise<string> {
    return this.#api.regenerate(messageId);
  }

  /** Take over (`human`), hand back (`agents`) or close: resolves with the new status. */
  handoff(to: HandoffTarget): Promise<string> {
    return this.#api.handoff(to);
  }

  /** Staff typing is not shown to visitors (a person typing would hint at a reply that may not come). */
  setTyping(): void {}

  async setUser(_user: ChorusUser): Promise<void> {}

  /** Shows a message as removed (the answer of DELETE, or a `message-deleted` broadcast). */
  markDeleted(id: string): void {
    const known = this.#sync.transcript.get(id);
    if (!known || known.status === 'deleted') return;
    this.#sync.merge([{ ...known, status: 'deleted', content: '', parts: [] }]);
  }

  async #start(): Promise<void> {
    try {
      const info = await this.#api.getRoom();
      if (this.#closed) return;
      this.#roomInfo = {
        title: info.room.title,
        agents: info.agents,
        settings: info.room.settings,
      };
      this.#events.emit('room', this.#roomInfo);
      this.#openChannel();
    } catch (error) {
      this.#fail(toChorusError(error));
    }
  }

  #openChannel(): void {
    if (this.#closed) return;
    const { token, participant, realtime } = this.#options.staff.current;
    const channel = this.#createChannel({
      url: realtime.url,
      apikey: realtime.apikey,
      token,
      roomId: this.conversationId,
      presenceKey: participant.id,
      reconnectAfterMs: (tries) => jitteredBackoff(tries),
      ...(this.#options.transport ? { transport: this.#options.transport } : {}),
    });
    this.#channel = channel;
    channel.join({
      onStatus: (status, error) => {
        if (this.#channel === channel) this.#onStatus(channel, status, error);
      },
      onBroadcast: (event, payload) => {
        if (this.#channel === channel) this.#onBroadcast(event, payload);
      },
      onPresence: (present: PresenceMeta[]) => {
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

  #onStatus(channel: RoomChannel, status: ChannelStatus, error?: Error): void {
    if (status === 'SUBSCRIBED') {
      const { participant } = this.#options.staff.current;
      void channel
        .track({ kind: 'human', id: participant.id, name: participant.name })
        .catch(() => {});
      void this.#catchUp();
      return;
    }
    this.#sync.pause();
    const reason =
      status === 'CLOSED'
        ? undefined
        : error
          ? toChorusError(error, WIDGET_ERROR_CODE.CHANNEL)
          : new ChorusError(WIDGET_ERROR_CODE.TIMEOUT, 'The chat server did not answer in time');
    this.#setState({
      status: 'reconnecting',
      attempt: this.#current.attempt + 1,
      ...(reason ? { error: reason } : {}),
    });
    // realtime-js rejoins by itself after a loss, but not after the server closed the channel.
    if (status === 'CLOSED')
      this.#retry(async () => {
        await this.#options.staff.refresh();
        this.#reopenChannel();
      });
  }

  async #catchUp(): Promise<void> {
    try {
      await this.#sync.catchUp();
      if (!this.#closed) this.#setState({ status: 'open', attempt: 0 });
    } catch (error) {
      if (this.#closed) return;
      const failure = toChorusError(error);
      this.#events.emit('error', failure);
      this.#setState({
        status: 'reconnecting',
        attempt: this.#current.attempt + 1,
        error: failure,
      });
      this.#retry(async () => {
        if (this.#channel?.isJoined()) await this.#catchUp();
      });
    }
  }

  #onBroadcast(event: string, payload: unknown): void {
    if (!payload || typeof payload !== 'object') return;
    switch (event) {
      case 'typing':
        this.#events.emit('typing', payload as RoomEvents['typing']);
        return;
      case 'message-deleted':
        this.markDeleted((payload as RoomEvents['message-deleted']).id);
        return;
      case 'conversation-status':
      case 'participant-muted':
        this.#staffEvents.emit(event, payload as never);
        this.#events.emit('live', { event, payload });
        return;
      default:
        this.#sync.receive(event, payload);
    }
  }

  #fail(error: ChorusError): void {
    if (this.#closed) return;
    this.#events.emit('error', error);
    if (
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500 &&
      error.status !== 429
    ) {
      this.#setState({ status: 'error', attempt: this.#current.attempt, error });
      return;
    }
    this.#setState({ status: 'reconnecting', attempt: this.#current.attempt + 1, error });
    this.#retry(() => this.#start());
  }

  #retry(action: () => Promise<void>): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(
      () => {
        if (!this.#closed)
          void action().catch((error: unknown) => this.#fail(toChorusError(error)));
      },
      jitteredBackoff(Math.max(1, this.#current.attempt)),
    );
  }

  #setState(next: ConnectionState): void {
    const current = this.#current;
    if (
      current.status === next.status &&
      current.attempt === next.attempt &&
      current.error === next.error
    )
      return;
    this.#current = next;
    this.#events.emit('state', next);
  }
}
