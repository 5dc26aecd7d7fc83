/**
 * The REST calls of the operator inbox (docs/architecture.md §8), typed by the contract in
 * protocol/schemas/ (types only: the page bundles no zod). Every failure is a ChorusError with
 * the server's `{error: {code, message}}` and the HTTP status.
 */
import type { Message } from '../../protocol/room.ts';
import type { ConversationStatus } from '../../protocol/room.ts';
import type { ConversationPage, HandoffTarget } from '../../protocol/schemas/conversations.ts';
import type { AdminRoom, SessionResponse } from '../../protocol/schemas/rest.ts';
import { requestJson } from '../../widget/lib/request-json.ts';

/** How the operator signed in: the server's admin key, or a host-signed identity JWT. */
export type Credential =
  | { kind: 'admin-key'; key: string }
  /** An identity names no room: `room` is the support room the operator staffs. */
  | { kind: 'identity'; jwt: string; room: string };

export interface InboxApiOptions {
  /** The Chorus server's base URL (the page's origin by default). */
  server: string;
  fetch?: typeof fetch;
}

export interface ConversationQuery {
  status?: ConversationStatus;
  before?: string | null;
  limit?: number;
}

/**
 * @example
 * const api = new InboxApi({ server: location.origin });
 * const rooms = await api.listRooms('the admin key');
 */
export class InboxApi {
  readonly #base: string;
  readonly #fetch: typeof fetch;

  constructor(options: InboxApiOptions) {
    this.#base = options.server.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.#fetch = (input, init) => fetchImpl(input, init);
  }

  /** `GET /api/admin/rooms` (admin key or admin token as bearer). */
  async listRooms(bearer: string): Promise<AdminRoom[]> {
    return (await this.request<{ rooms: AdminRoom[] }>('GET', '/api/admin/rooms', bearer)).rooms;
  }

  /** The support rooms of {@link listRooms}: the ones with an inbox. */
  async listSupportRooms(bearer: string): Promise<AdminRoom[]> {
    return (await this.listRooms(bearer)).filter((room) => room.settings.kind === 'support');
  }

  /**
   * `POST /api/session` as staff: with the admin key as bearer (an admin token), with an identity
   * JWT in the body (its role), or with the current token as bearer (a refresh).
   */
  createSession(
    room: string,
    name: string,
    auth: { bearer?: string; identity?: string },
  ): Promise<SessionResponse> {
    return this.request<SessionResponse>('POST', '/api/session', auth.bearer, {
      room,
      name,
      ...(auth.identity ? { identity: auth.identity } : {}),
    });
  }

  /** `GET /api/rooms/:room/conversations`: waiting first, then newest activity. */
  listConversations(
    room: string,
    token: string,
    query: ConversationQuery = {},
  ): Promise<ConversationPage> {
    const search = new URLSearchParams();
    if (query.status) search.set('status', query.status);
    if (query.before) search.set('before', query.before);
    if (query.limit) search.set('limit', String(query.limit));
    const suffix = search.size === 0 ? '' : `?${search.toString()}`;
    return this.request<ConversationPage>('GET', `${roomPath(room)}/conversations${suffix}`, token);
  }

  /** `POST /api/rooms/:conversation/handoff {to}` → the new status. */
  async handoff(
    conversation: string,
    token: string,
    to: HandoffTarget,
  ): Promise<ConversationStatus> {
    return (
      await this.request<{ status: ConversationStatus }>(
        'POST',
        `${roomPath(conversation)}/handoff`,
        token,
        { to },
      )
    ).status;
  }

  /** `DELETE /api/rooms/:conversation/messages/:id` → the message, now `deleted`. */
  async deleteMessage(conversation: string, token: string, messageId: string): Promise<Message> {
    return (
      await this.request<{ message: Message }>(
        'DELETE',
        `${roomPath(conversation)}/messages/${encodeURIComponent(messageId)}`,
        token,
      )
    ).message;
  }

  /** `POST /api/rooms/:conversation/participants/:participant/mute`. */
  mute(
    conversation: string,
    token: string,
    participantId: string,
    body: { muted: boolean; minutes?: number },
  ): Promise<{ participantId: string; muted: boolean; until: string | null }> {
    return this.request(
      'POST',
      `${roomPath(conversation)}/participants/${encodeURIComponent(participantId)}/mute`,
      token,
      body,
    );
  }

  /** `POST /api/rooms/:conversation/read` (204): staff have read it. */
  async markRead(conversation: string, token: string): Promise<void> {
    await this.request<unknown>('POST', `${roomPath(conversation)}/read`, token, {});
  }

  request<T>(method: string, path: string, bearer?: string, body?: unknown): Promise<T> {
    return requestJson<T>(this.#fetch, `${this.#base}${path}`, { method, body, bearer });
  }
}

function roomPath(room: string): string {
  return `/api/rooms/${encodeURIComponent(room)}`;
}
