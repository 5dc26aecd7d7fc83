import type { RoomSessionSummary } from '../../protocol/schemas/sessions.ts';
import type {
  Conversation,
  ConversationStatus,
  Message,
  PresenceMeta,
} from '../../protocol/room.ts';
import type { AdminRoom, SessionResponse } from '../../protocol/schemas/rest.ts';
import { agentMessage, humanMessage, nextTime } from '../../protocol/test-support/messages.ts';
import type {
  ChannelStatus,
  RoomChannel,
  RoomChannelHandlers,
  RoomChannelOptions,
} from '../../widget/room/room-channel.ts';
import { AGENTS } from '../../widget/test-support/agents.ts';
import type {
  InboxChannel,
  InboxChannelHandlers,
  InboxChannelOptions,
} from '../room/inbox-channel.ts';

export const ADMIN_KEY = 'test-admin-key';
export const SUPPORT_ROOM = 'northwind';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

/** A channel the test drives: `deliver` a broadcast; it joins as soon as asked. */
export class FakeChannel {
  readonly options: RoomChannelOptions | InboxChannelOptions;
  tokens: string[] = [];
  tracked: PresenceMeta[] = [];
  closed = false;
  #room: RoomChannelHandlers | undefined;
  #inbox: InboxChannelHandlers | undefined;

  constructor(options: RoomChannelOptions | InboxChannelOptions) {
    this.options = options;
    this.tokens.push(options.token);
  }

  get topic(): string {
    return 'presenceKey' in this.options
      ? `room:${this.options.roomId}`
      : `inbox:${this.options.roomId}`;
  }

  deliver(event: string, payload: unknown): void {
    if (this.#room) this.#room.onBroadcast(event, payload);
    else if (event === 'conversation-updated')
      this.#inbox?.onConversation((payload as { conversation: Conversation }).conversation);
  }

  /** Everyone present on a room channel now. */
  presence(present: PresenceMeta[]): void {
    this.#room?.onPresence(present);
  }

  status(status: ChannelStatus): void {
    this.#room?.onStatus(status);
    this.#inbox?.onStatus(status);
  }

  asRoomChannel(): RoomChannel {
    return {
      join: (handlers) => {
        this.#room = handlers;
        queueMicrotask(() => handlers.onStatus('SUBSCRIBED'));
      },
      track: async (meta) => {
        this.tracked.push(meta);
      },
      sendTyping: () => {},
      setAuth: (token) => this.tokens.push(token),
      isJoined: () => !this.closed,
      close: async () => {
        this.closed = true;
      },
    };
  }

  asInboxChannel(): InboxChannel {
    return {
      join: (handlers) => {
        this.#inbox = handlers;
        queueMicrotask(() => handlers.onStatus('SUBSCRIBED'));
      },
      setAuth: (token) => this.tokens.push(token),
      close: async () => {
        this.closed = true;
      },
    };
  }
}

/**
 * The inbox's side of a Chorus server, in memory behind a `fetch`, following the contract of
 * docs/architecture.md §8: the admin room list, staff sessions (the admin key as bearer gives
 * an admin token), conversations, their messages, handoff, delete, mute and read; and the
 * channels the page joins (`channels`), which the test drives.
 */
export class FakeInboxServer {
  readonly requests: RecordedRequest[] = [];
  readonly channels: FakeChannel[] = [];
  rooms: AdminRoom[] = [adminRoom(SUPPORT_ROOM, 'support'), adminRoom('lobby', 'shared')];
  conversations: Conversation[] = [];
  readonly messages = new Map<string, Message[]>();
  /** Each conversation's `lastSession` in `GET /api/rooms/:room` (absent: null). */
  readonly lastSessions = new Map<string, RoomSessionSummary>();
  #tokens = 0;
  #refusals: { method: string; path: string }[] = [];

  readonly createInboxChannel = (options: InboxChannelOptions): InboxChannel =>
    this.#channel(options).asInboxChannel();

  readonly createChannel = (options: RoomChannelOptions): RoomChannel =>
    this.#channel(options).asRoomChannel();

  /** The newest channel of a topic (`inbox:<room>`, `room:<conversation>`). */
  channel(topic: string): FakeChannel | undefined {
    return this.channels.filter((channel) => channel.topic === topic).at(-1);
  }

  /** The next `method path` answers 401, as for a token the server no longer takes. */
  refuseOnce(method: string, path: string): void {
    this.#refusals.push({ method, path });
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method && request.path === path);
  }

  /** Adds a conversation with a visitor's message (and what else is given). */
  addConversation(
    id: string,
    visitor: string,
    overrides: Partial<Conversation> = {},
    messages: Message[] = [
      humanMessage({
        id: `${id}-m1`,
        roomId: id,
        author: { kind: 'human', id: `guest:${visitor.toLowerCase()}`, name: visitor },
        content: `Hello from ${visitor}`,
      }),
    ],
  ): Conversation {
    this.messages.set(id, messages);
    const at = messages.at(-1)?.updatedAt ?? nextTime();
    const conversation: Conversation = {
      id,
      parent: SUPPORT_ROOM,
      title: visitor,
      visitor: { id: `guest:${visitor.toLowerCase()}`, name: visitor, role: 'guest' },
      status: 'bot',
      waiting: false,
      lastMessage: messages.at(-1) ?? null,
      unread: messages.length,
      createdAt: messages[0]?.createdAt ?? at,
      updatedAt: at,
      ...overrides,
    };
    this.conversations.push(conversation);
    return conversation;
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname + url.search,
      authorization: new Headers(init?.headers).get('authorization'),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    this.requests.push(request);
    await Promise.resolve();
    const refusal = this.#refusals.findIndex(
      (entry) => entry.method === request.method && entry.path === request.path,
    );
    if (refusal !== -1) {
      this.#refusals.splice(refusal, 1);
      return refuse(401, 'unauthorized');
    }
    return this.#handle(request, url);
  };

  #channel(options: RoomChannelOptions | InboxChannelOptions): FakeChannel {
    const channel = new FakeChannel(options);
    this.channels.push(channel);
    return channel;
  }

  #staff(request: RecordedRequest): boolean {
    return /^Bearer staff-token-\d+$/.test(request.authorization ?? '');
  }

  #handle(request: RecordedRequest, url: URL): Response {
    const { method } = request;
    const path = url.pathname;
    if (method === 'GET' && path === '/api/admin/rooms') {
      if (request.authorization !== `Bearer ${ADMIN_KEY}`) return refuse(401, 'unauthorized');
      return json(200, { rooms: this.rooms });
    }
    if (method === 'POST' && path === '/api/session') {
      const body = request.body as { room: string; name: string; identity?: string };
      // An identity JWT of this fake is `<role>.<sub>.<signature>`.
      const identity = body.identity?.split('.');
      if (
        request.authorization !== `Bearer ${ADMIN_KEY}` &&
        !this.#staff(request) &&
        !(identity && identity[0] === 'operator')
      )
        return refuse(401, 'unauthorized');
      if (AGENTS.some((agent) => agent.name === body.name)) return refuse(409, 'name_taken');
      const session: SessionResponse = {
        token: `staff-token-${++this.#tokens}`,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        participant: identity
          ? { id: `user:${identity[1]}`, name: body.name, role: 'operator' }
          : { id: 'admin:ada', name: body.name, role: 'admin' },
        room: {
          id: body.room,
          parent: null,
          kind: 'support',
          title: 'Northwind',
          status: null,
          welcome: '',
          starters: [],
          handoff: true,
        },
        realtime: { url: 'ws://fake/realtime/v1', apikey: 'anon', typing: 'channel' },
      };
      return json(200, session);
    }
    if (!this.#staff(request)) return refuse(401, 'unauthorized');
    const match = /^\/api\/rooms\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) return refuse(404, 'not_found');
    const room = decodeURIComponent(match[1]!);
    const rest = match[2] ?? '';
    if (method === 'GET' && rest === '/conversations')
      return json(200, {
        conversations: this.conversations
          .filter((conversation) => conversation.parent === room)
          .sort((a, b) =>
            a.waiting !== b.waiting ? (a.waiting ? -1 : 1) : b.updatedAt.localeCompare(a.updatedAt),
          ),
        nextCursor: null,
      });
    const conversation = this.conversations.find((candidate) => candidate.id === room);
    if (!conversation) return refuse(404, 'not_found');
    if (method === 'GET' && rest === '')
      return json(200, {
        room: {
          id: room,
          parent: SUPPORT_ROOM,
          kind: 'support',
          title: conversation.title,
          status: conversation.status,
          welcome: '',
          starters: [],
          handoff: true,
          settings: adminRoom(SUPPORT_ROOM, 'support').settings,
        },
        agents: AGENTS,
        lastSession: this.lastSessions.get(room) ?? null,
      });
    const messages = this.messages.get(room) ?? [];
    if (method === 'GET' && rest === '/messages') return json(200, { messages, nextCursor: null });
    if (method === 'POST' && rest === '/messages') {
      const body = request.body as { id: string; content: string };
      const message = humanMessage({
        id: body.id,
        roomId: room,
        author: { kind: 'human', id: 'admin:ada', name: 'Ada', role: 'admin' },
        content: body.content,
      });
      messages.push(message);
      return json(201, { message });
    }
    if (method === 'POST' && rest === '/handoff') {
      const { to } = request.body as { to: 'human' | 'agents' | 'closed' };
      const status: ConversationStatus =
        to === 'human' ? 'human' : to === 'agents' ? 'bot' : 'closed';
      conversation.status = status;
      conversation.waiting = false;
      return json(200, { status });
    }
    if (method === 'POST' && rest === '/read') {
      conversation.unread = 0;
      return new Response(null, { status: 204 });
    }
    if (method === 'POST' && rest === '/stop') return json(200, { stopped: [] });
    const deleted = /^\/messages\/([^/]+)$/.exec(rest);
    if (method === 'DELETE' && deleted) {
      const message = messages.find(
        (candidate) => candidate.id === decodeURIComponent(deleted[1]!),
      );
      if (!message) return refuse(404, 'not_found');
      Object.assign(message, { status: 'deleted', content: '', parts: [] });
      return json(200, { message });
    }
    const mute = /^\/participants\/([^/]+)\/mute$/.exec(rest);
    if (method === 'POST' && mute) {
      const { muted } = request.body as { muted: boolean };
      return json(200, { participantId: decodeURIComponent(mute[1]!), muted, until: null });
    }
    return refuse(404, 'not_found');
  }
}

/** A reply of Sage to a conversation's first message, streaming. */
export function streamingReply(conversationId: string, id = `${conversationId}-reply`): Message {
  return agentMessage({ id, roomId: conversationId, replyTo: `${conversationId}-m1`, content: '' });
}

function adminRoom(id: string, kind: 'shared' | 'support'): AdminRoom {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    id,
    title: id === SUPPORT_ROOM ? 'Northwind' : 'Lobby',
    settings: {
      kind,
      policy: 'default',
      agents: [],
      guestAccess: true,
      tokensPerDay: 100_000,
      maxAgentTurns: 2,
      welcome: '',
      starters: [],
      handoff: kind === 'support',
      allowedOrigins: [],
    },
    conversations: 0,
    createdAt: at,
    updatedAt: at,
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function refuse(status: number, code: string): Response {
  return json(status, { error: { code, message: `${code} (fake)` } });
}
