import type { ConversationStatus, Message, PresenceMeta, RoomEvents } from '../../protocol/room.ts';
import { ChorusError } from '../lib/chorus-error.ts';
import { Emitter } from '../lib/emitter.ts';
import type { ChorusUser, StopTarget } from '../room/api-types.ts';
import type {
  ConnectionState,
  RoomConnection,
  RoomConnectionEvents,
  RoomInfo,
  SessionInfo,
} from '../room/room-connection.ts';
import { Transcript } from '../room/transcript.ts';
import { AGENTS } from './agents.ts';
import { humanMessage } from '../../protocol/test-support/messages.ts';

/**
 * A {@link RoomConnection} without a server, for store unit tests and component browser tests:
 * the test drives it (`deliver` a broadcast, `setState`, `setPresence`, `typing`), and it
 * records what the widget asked for (posts, stops, regenerations, typing, renames).
 */
export class StubConnection implements RoomConnection {
  readonly transcript = new Transcript();
  readonly posts: { id: string; content: string }[] = [];
  readonly stops: StopTarget[] = [];
  readonly regenerations: string[] = [];
  readonly handoffs: string[] = [];
  readonly typingSent: boolean[] = [];
  readonly users: ChorusUser[] = [];
  connects = 0;
  reconnects = 0;
  disconnected = false;
  /** When set, the next posts fail with it (then it is cleared). */
  failNextPost: ChorusError | undefined;
  olderPages: Message[][] = [];
  private readonly events = new Emitter<RoomConnectionEvents>();
  private current: ConnectionState = { status: 'idle', attempt: 0 };
  private sessionInfo: SessionInfo | undefined;
  private roomInfo: RoomInfo | undefined;

  constructor(
    options: {
      participant?: SessionInfo['participant'];
      room?: RoomInfo;
      /** What the session says of the room (a support conversation: kind, status, handoff). */
      session?: Partial<SessionInfo['room']>;
    } = {},
  ) {
    this.sessionInfo = {
      participant: options.participant ?? { id: 'guest:ada', name: 'Ada' },
      room: { id: 'lobby', title: options.room?.title ?? 'Lobby', ...options.session },
    };
    this.roomInfo = options.room ?? { title: 'Lobby', agents: AGENTS, settings: null };
  }

  /** Connected and caught up, with these messages. */
  static open(
    messages: Message[] = [],
    options: ConstructorParameters<typeof StubConnection>[0] = {},
  ): StubConnection {
    const stub = new StubConnection(options);
    stub.transcript.merge(messages);
    stub.current = { status: 'open', attempt: 0 };
    return stub;
  }

  on<Name extends keyof RoomConnectionEvents>(
    name: Name,
    listener: (value: RoomConnectionEvents[Name]) => void,
  ): () => void {
    return this.events.on(name, listener);
  }

  connect(): void {
    this.connects++;
    if (this.current.status === 'idle') this.setState({ status: 'open', attempt: 0 });
    if (this.sessionInfo) this.events.emit('session', this.sessionInfo);
    if (this.roomInfo) this.events.emit('room', this.roomInfo);
  }

  reconnect(): void {
    this.reconnects++;
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }

  state(): ConnectionState {
    return this.current;
  }

  session(): SessionInfo | undefined {
    return this.sessionInfo;
  }

  room(): RoomInfo | undefined {
    return this.roomInfo;
  }

  messages(): Message[] {
    return this.transcript.list();
  }

  hasOlder(): boolean {
    return this.olderPages.length > 0;
  }

  async loadOlder(): Promise<void> {
    const page = this.olderPages.shift();
    if (!page) return;
    this.transcript.merge(page);
    this.events.emit('transcript', undefined);
  }

  async postMessage(input: { id: string; content: string }): Promise<Message> {
    this.posts.push(input);
    await Promise.resolve();
    if (this.failNextPost) {
      const failure = this.failNextPost;
      this.failNextPost = undefined;
      throw failure;
    }
    const { id, name } = this.sessionInfo?.participant ?? { id: 'guest:ada', name: 'Ada' };
    const participant = { id, name };
    const message =
      this.transcript.get(input.id) ??
      humanMessage({
        id: input.id,
        content: input.content,
        author: { kind: 'human', ...participant },
      });
    this.transcript.merge([message]);
    this.events.emit('transcript', undefined);
    return message;
  }

  async stop(target: StopTarget): Promise<void> {
    this.stops.push(target);
  }

  async regenerate(messageId: string): Promise<string> {
    this.regenerations.push(messageId);
    return `regen-${messageId}`;
  }

  /** Answers as the server does for a visitor: `human` → `waiting`, announced like the real client. */
  async handoff(to: string): Promise<ConversationStatus> {
    this.handoffs.push(to);
    await Promise.resolve();
    const status: ConversationStatus =
      to === 'human' ? 'waiting' : to === 'agents' ? 'bot' : 'closed';
    this.events.emit('live', {
      event: 'conversation-status',
      payload: { status, by: this.sessionInfo?.participant ?? null },
    });
    return status;
  }

  setTyping(typing: boolean): void {
    this.typingSent.push(typing);
  }

  async setUser(user: ChorusUser): Promise<void> {
    this.users.push(user);
    if (this.sessionInfo) {
      this.sessionInfo = {
        ...this.sessionInfo,
        participant: { ...this.sessionInfo.participant, name: user.name },
      };
      this.events.emit('session', this.sessionInfo);
    }
  }

  // ---- driving it from a test ----

  setState(state: ConnectionState): void {
    this.current = state;
    this.events.emit('state', state);
  }

  /** A broadcast, applied as the real client does (live event only when it changed something). */
  deliver<Name extends keyof RoomEvents>(event: Name, payload: RoomEvents[Name]): void {
    if (event === 'typing') {
      this.events.emit('typing', payload as RoomEvents['typing']);
      return;
    }
    if (event === 'conversation-status' || event === 'participant-muted') {
      this.events.emit('live', { event, payload });
      return;
    }
    const before =
      event === 'message' || event === 'message-end'
        ? this.transcript.get((payload as RoomEvents['message']).message.id)
        : undefined;
    const outcome = this.transcript.apply(event, payload);
    if (outcome.kind !== 'applied') return;
    this.events.emit('transcript', undefined);
    const duplicate =
      before &&
      before.status !== 'streaming' &&
      before.updatedAt === (payload as RoomEvents['message']).message.updatedAt;
    if (!duplicate) this.events.emit('live', { event, payload });
  }

  setPresence(present: PresenceMeta[]): void {
    this.events.emit('presence', present);
  }

  fail(error: ChorusError): void {
    this.events.emit('error', error);
  }
}
