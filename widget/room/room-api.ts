import type { ConversationStatus, Message } from '../../protocol/room.ts';
import { ChorusError } from '../lib/chorus-error.ts';
import { requestJson } from '../lib/request-json.ts';
import type {
  ChorusUser,
  MessagePage,
  RoomInfoResponse,
  SessionResponse,
  StopTarget,
} from './api-types.ts';

export interface RoomApiOptions {
  /** The Chorus server's base URL, e.g. `https://chat.example.com` (no trailing slash needed). */
  server: string;
  /** The room asked for in `POST /api/session` (the `room` attribute). */
  room: string;
  /** The room of the REST calls: the session's (a support room's visitor: their conversation). */
  target?(): string | undefined;
  fetch?: typeof fetch;
  /** The current room token. */
  token(): string | undefined;
  /** Called on a 401 of an authorized call; resolves true when a new token is ready to retry with. */
  refresh?(): Promise<boolean>;
}

/**
 * The REST calls of docs/architecture.md §3, with the room token as bearer. Every failure is a
 * {@link ChorusError} carrying the server's `{ error: { code, message } }`; an authorized call
 * that gets a 401 refreshes the session once and retries.
 * @example
 * const api = new RoomApi({ server: 'https://chat.example.com', room: 'lobby', token: () => session?.token });
 * const { messages } = await api.listMessages({ limit: 50 });
 */
export class RoomApi {
  readonly #base: string;
  readonly #fetch: typeof fetch;

  readonly #options: RoomApiOptions;

  constructor(options: RoomApiOptions) {
    this.#options = options;
    this.#base = options.server.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => fetchImpl(input, init);
  }

  /** `POST /api/session`; with `bearer` (the current token) it refreshes and keeps the participant id. */
  createSession(user: ChorusUser, bearer?: string): Promise<SessionResponse> {
    const body = {
      room: this.#options.room,
      name: user.name,
      ...(user.identity ? { identity: user.identity } : {}),
    };
    return this.#request<SessionResponse>('POST', '/api/session', body, bearer);
  }

  getRoom(): Promise<RoomInfoResponse> {
    return this.#authorized<RoomInfoResponse>('GET', '');
  }

  listMessages(query: { before?: string | null; limit?: number } = {}): Promise<MessagePage> {
    const search = new URLSearchParams();
    if (query.before) search.set('before', query.before);
    if (query.limit) search.set('limit', String(query.limit));
    const suffix = search.toString();
    return this.#authorized<MessagePage>(
      'GET',
      suffix === '' ? '/messages' : `/messages?${suffix}`,
    );
  }

  async postMessage(input: { id: string; content: string }): Promise<Message> {
    return (await this.#authorized<{ message: Message }>('POST', '/messages', input)).message;
  }

  async stop(target: StopTarget): Promise<void> {
    await this.#authorized<unknown>('POST', '/stop', target);
  }

  /** `POST /api/rooms/:room/typing`: typing through the server, where the channel cannot carry it. */
  async sendTyping(typing: boolean): Promise<void> {
    await this.#authorized<unknown>('POST', '/typing', { typing });
  }

  /** `POST /api/rooms/:room/handoff {to}`: resolves with the conversation's new status. */
  async handoff(to: string): Promise<ConversationStatus> {
    return (await this.#authorized<{ status: ConversationStatus }>('POST', '/handoff', { to }))
      .status;
  }

  async regenerate(messageId: string): Promise<string> {
    return (
      await this.#authorized<{ messageId: string }>(
        'POST',
        `/messages/${encodeURIComponent(messageId)}/regenerate`,
      )
    ).messageId;
  }

  async #authorized<T>(method: string, path: string, body?: unknown): Promise<T> {
    const room = this.#options.target?.() ?? this.#options.room;
    const url = `/api/rooms/${encodeURIComponent(room)}${path}`;
    try {
      return await this.#request<T>(method, url, body, this.#options.token());
    } catch (error) {
      if (
        !(error instanceof ChorusError) ||
        error.status !== 401 ||
        !this.#options.refresh ||
        !(await this.#options.refresh())
      )
        throw error;
      return this.#request<T>(method, url, body, this.#options.token());
    }
  }

  #request<T>(method: string, path: string, body: unknown, bearer: string | undefined): Promise<T> {
    return requestJson<T>(this.#fetch, `${this.#base}${path}`, { method, body, bearer });
  }
}
