/**
 * The REST calls of the operator inbox (docs/architecture.md §8), typed by the contract in
 * protocol/schemas/ (types only: the page bundles no zod). Every failure is a ChorusError with
 * the server's `{error: {code, message}}` and the HTTP status.
 */
import type { ApiErrorBody, Message } from '../../protocol/room.ts';
import type { ConversationStatus } from '../../protocol/room.ts';
import type { ConversationPage, HandoffTarget } from '../../protocol/schemas/conversations.ts';
import type { AdminRoom, SessionResponse } from '../../protocol/schemas/rest.ts';
import { ChorusError, WIDGET_ERROR_CODE } from '../../widget/lib/chorus-error.ts';

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

  async request<T>(method: string, path: string, bearer?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (bearer) headers['authorization'] = `Bearer ${bearer}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (error) {
      throw new ChorusError(
        WIDGET_ERROR_CODE.NETWORK,
        `Could not reach the chat server (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      if (response.ok)
        throw new ChorusError(
          WIDGET_ERROR_CODE.BAD_RESPONSE,
          `The chat server sent something that is not JSON (${response.status})`,
          { status: response.status, cause: error },
        );
    }
    if (!response.ok) {
      const apiError = (parsed as Partial<ApiErrorBody> | undefined)?.error;
      throw new ChorusError(
        apiError?.code ?? `http_${response.status}`,
        apiError?.message ?? `The chat server answered ${response.status}`,
        { status: response.status },
      );
    }
    return parsed as T;
  }
}

function roomPath(room: string): string {
  return `/api/rooms/${encodeURIComponent(room)}`;
}
