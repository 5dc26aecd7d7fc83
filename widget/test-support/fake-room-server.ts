import type { ConversationStatus, Message, PresenceMeta, RoomEvents } from '../../protocol/room.ts';
import type { SessionResponse, StopTarget } from '../room/api-types.ts';
import type {
  ChannelStatus,
  RoomChannel,
  RoomChannelHandlers,
  RoomChannelOptions,
} from '../room/room-channel.ts';
import { AGENTS } from './agents.ts';
import { humanMessage } from '../../protocol/test-support/messages.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

export { AGENTS };

/**
 * An in-memory Chorus REST API behind a `fetch` function, for unit tests of the room client:
 * sessions (refresh keeps the participant), the room, paged messages, idempotent posts, stop,
 * regenerate; `fail` makes the next matching requests answer an error.
 *
 * With `support` set, it is a support room (docs/architecture.md §8): each new participant gets
 * a private conversation `c_<n>` (kept on refresh), whose transcript is `conversations.get(id)`;
 * a token is good for its own room only (403 elsewhere, except for participants in `staff`: they
 * may use every room), and `handoff` moves `bot` → `waiting`.
 */
export class FakeRoomServer {
  readonly requests: RecordedRequest[] = [];
  messages: Message[] = [];
  ttlMs = 3_600_000;
  now = () => Date.now();
  /** Makes the room a support room: whether visitors may ask for a person, its welcome and starters. */
  support: { handoff: boolean; welcome?: string; starters?: string[] } | undefined;
  readonly conversations = new Map<string, { status: ConversationStatus; messages: Message[] }>();
  /** Participant ids whose tokens are good for every room (staff reading conversations). */
  readonly staff = new Set<string>();
  private tokens = 0;
  private readonly participants = new Map<string, { id: string; name: string }>();
  private readonly roomOf = new Map<string, string>();
  private failures: {
    match: (request: RecordedRequest) => boolean;
    status: number;
    code: string;
    times: number;
  }[] = [];

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
    const failure = this.failures.find((entry) => entry.times > 0 && entry.match(request));
    if (failure) {
      failure.times--;
      if (failure.status === 0) throw new TypeError('Failed to fetch');
      return json(failure.status, {
        error: { code: failure.code, message: `${failure.code} (fake)` },
      });
    }
    return this.handle(request, url);
  };

  /** The next `times` requests matching `match` fail with `status` (0: a network error). */
  fail(
    match: (request: RecordedRequest) => boolean,
    status: number,
    code = 'fake_failure',
    times = 1,
  ): void {
    this.failures.push({ match, status, code, times });
  }

  requestsTo(path: string, method = 'GET'): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.method === method && request.path.split('?')[0] === path,
    );
  }

  private handle(request: RecordedRequest, url: URL): Response {
    const token = request.authorization?.replace(/^Bearer /, '') ?? null;
    if (request.path === '/api/session') {
      const body = request.body as { room: string; name: string };
      const previous = token ? this.participants.get(token) : undefined;
      const participant = {
        id: previous?.id ?? `guest:${this.participants.size + 1}`,
        name: body.name,
      };
      const issued = `token-${++this.tokens}`;
      this.participants.set(issued, participant);
      const room = this.support
        ? ((token && this.roomOf.get(token)) ?? `c_${this.conversations.size + 1}`)
        : body.room;
      this.roomOf.set(issued, room);
      if (this.support && !this.conversations.has(room))
        this.conversations.set(room, { status: 'bot', messages: [] });
      const session: SessionResponse = {
        token: issued,
        expiresAt: new Date(this.now() + this.ttlMs).toISOString(),
        participant,
        room: {
          id: room,
          parent: this.support ? body.room : null,
          kind: this.support ? 'support' : 'shared',
          title: 'Lobby',
          status: this.conversations.get(room)?.status ?? null,
          welcome: this.support?.welcome ?? '',
          starters: this.support?.starters ?? [],
          handoff: this.support?.handoff ?? false,
        },
        realtime: { url: 'ws://fake/realtime/v1', apikey: 'anon', typing: 'channel' },
      };
      return json(200, session);
    }
    if (!token || !this.participants.has(token))
      return json(401, { error: { code: 'unauthorized', message: 'no token' } });
    const [, roomId = '', path = ''] = /^\/api\/rooms\/([^/]+)(.*)$/.exec(url.pathname) ?? [];
    if (roomId !== this.roomOf.get(token) && !this.staff.has(this.participants.get(token)!.id))
      return json(403, { error: { code: 'forbidden', message: `not your room: ${roomId}` } });
    const conversation = this.conversations.get(roomId);
    const messages = conversation?.messages ?? this.messages;
    if (path === '' && request.method === 'GET') {
      return json(200, {
        room: {
          id: roomId,
          parent: conversation ? 'help' : null,
          kind: conversation ? 'support' : 'shared',
          title: 'Lobby',
          status: conversation?.status ?? null,
          welcome: '',
          starters: [],
          handoff: this.support?.handoff ?? false,
          settings: {
            policy: 'all',
            agents: [],
            guestAccess: true,
            tokensPerDay: 1e6,
            maxAgentTurns: 3,
          },
        },
        agents: AGENTS,
      });
    }
    if (path === '/handoff' && request.method === 'POST') {
      if (!conversation)
        return json(403, { error: { code: 'forbidden', message: 'not a conversation' } });
      if ((request.body as { to: string }).to === 'human') conversation.status = 'waiting';
      return json(200, { status: conversation.status });
    }
    if (path === '/messages' && request.method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const before = url.searchParams.get('before');
      const end = before === null ? messages.length : Number(before);
      const start = Math.max(0, end - limit);
      return json(200, {
        messages: messages.slice(start, end),
        nextCursor: start > 0 ? String(start) : null,
      });
    }
    if (path === '/messages' && request.method === 'POST') {
      const body = request.body as { id: string; content: string };
      const existing = messages.find((message) => message.id === body.id);
      if (existing)
        return existing.content === body.content
          ? json(200, { message: existing })
          : json(409, { error: { code: 'conflict', message: 'other content' } });
      const participant = this.participants.get(token)!;
      const message = humanMessage({
        id: body.id,
        content: body.content,
        roomId,
        author: { kind: 'human', ...participant },
      });
      messages.push(message);
      return json(201, { message });
    }
    if (path === '/stop' && request.method === 'POST') {
      this.stops.push(request.body as StopTarget);
      return json(202, { status: 'stopping' });
    }
    const regenerate = /^\/messages\/([^/]+)\/regenerate$/.exec(path);
    if (regenerate && request.method === 'POST')
      return json(202, { messageId: `regen-${regenerate[1]}` });
    return json(404, { error: { code: 'not_found', message: request.path } });
  }

  readonly stops: StopTarget[] = [];
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** A room channel driven by the test: report statuses, deliver broadcasts and presence. */
export class FakeChannel implements RoomChannel {
  handlers: RoomChannelHandlers | undefined;
  readonly tracked: PresenceMeta[] = [];
  readonly typing: RoomEvents['typing'][] = [];
  readonly tokens: string[] = [];
  joined = false;
  closed = false;

  constructor(readonly options: RoomChannelOptions) {
    this.tokens.push(options.token);
  }

  join(handlers: RoomChannelHandlers): void {
    this.handlers = handlers;
  }

  status(status: ChannelStatus, error?: Error): void {
    this.joined = status === 'SUBSCRIBED';
    this.handlers?.onStatus(status, error);
  }

  broadcast<Name extends keyof RoomEvents>(event: Name, payload: RoomEvents[Name]): void {
    this.handlers?.onBroadcast(event, payload);
  }

  presence(present: PresenceMeta[]): void {
    this.handlers?.onPresence(present);
  }

  async track(meta: PresenceMeta): Promise<void> {
    this.tracked.push(meta);
  }

  sendTyping(payload: RoomEvents['typing']): void {
    if (this.joined) this.typing.push(payload);
  }

  setAuth(token: string): void {
    this.tokens.push(token);
  }

  isJoined(): boolean {
    return this.joined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.joined = false;
  }
}

/** A channel factory that remembers the channels it made. */
export function fakeChannels() {
  const channels: FakeChannel[] = [];
  return {
    channels,
    create: (options: RoomChannelOptions) => {
      const channel = new FakeChannel(options);
      channels.push(channel);
      return channel;
    },
    get last(): FakeChannel {
      const channel = channels.at(-1);
      if (!channel) throw new Error('no channel was created');
      return channel;
    },
  };
}

/** A Storage in memory. */
export function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & {
  data: Map<string, string>;
} {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}
