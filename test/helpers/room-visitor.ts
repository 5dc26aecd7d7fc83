import type { RealtimeChannel, RealtimeClient } from '@supabase/realtime-js';
import type { Message } from '../../protocol/room.ts';
import {
  messagePageSchema,
  messageResponseSchema,
  sessionResponseSchema,
  type SessionResponse,
} from '../../protocol/schemas/rest.ts';
import { Transcript } from '../../widget/room/transcript.ts';
import { realtimeClients, subscribe } from './realtime-js.ts';

export interface ReceivedEvent {
  event: string;
  payload: Record<string, unknown>;
  at: number;
}

/**
 * A person in a room, as the widget will be: a session from `POST /api/session`, the room's
 * private channel through the official realtime-js client, REST calls with the room token (each
 * answer parsed with the contract, protocol/schemas/rest.ts), and a
 * transcript kept by the catch-up rules (subscribe, fetch, merge by id and seq, refetch on gap).
 */
export class RoomVisitor {
  readonly events: ReceivedEvent[] = [];
  readonly transcript = new Transcript();
  /** Messages whose deltas arrived with a gap after catch-up (each one needed a refetch). */
  readonly gaps: string[] = [];
  /** Sent with every REST call (a benchmark gives visitors their own X-Forwarded-For). */
  headers: Record<string, string> = {};
  private channel: RealtimeChannel | undefined;
  private client: RealtimeClient | undefined;
  private buffering = true;
  private buffer: ReceivedEvent[] = [];
  private readonly clients;

  private constructor(
    readonly baseUrl: string,
    readonly roomId: string,
    readonly session: SessionResponse,
  ) {
    this.clients = realtimeClients(() => `${session.realtime.url}`);
  }

  static async join(baseUrl: string, roomId: string, name: string): Promise<RoomVisitor> {
    const response = await fetch(`${baseUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: roomId, name }),
    });
    if (response.status !== 200 && response.status !== 201)
      throw new Error(`session: ${response.status} ${await response.text()}`);
    const session = sessionResponseSchema.parse(await response.json());
    // In a support room the session is for the visitor's own conversation.
    const visitor = new RoomVisitor(baseUrl, session.room.id, session);
    await visitor.connect();
    return visitor;
  }

  /** Joins the channel, then fetches the transcript and applies what arrived meanwhile. */
  async connect(): Promise<void> {
    this.buffering = true;
    this.buffer = [];
    this.client = this.clients.create({
      vsn: '2.0.0',
      apikey: this.session.realtime.apikey,
      token: this.session.token,
      timeout: 5000,
    });
    this.channel = this.client.channel(`room:${this.roomId}`, {
      config: { private: true, presence: { key: this.session.participant.id, enabled: true } },
    });
    this.channel.on('broadcast', { event: '*' }, (message) =>
      this.receive({ event: message.event, payload: message.payload, at: performance.now() }),
    );
    const outcome = await subscribe(this.client, this.channel);
    if (outcome.status !== 'SUBSCRIBED')
      throw new Error(`could not join: ${outcome.status} ${outcome.error?.message ?? ''}`);
    await this.refetch();
    this.buffering = false;
    for (const event of this.buffer.splice(0)) this.apply(event);
  }

  /** Shows this visitor in the room's presence, as the widget does once joined. */
  async trackPresence(): Promise<void> {
    const { id, name } = this.session.participant;
    const outcome = await this.channel!.track({ kind: 'human', id, name });
    if (outcome !== 'ok') throw new Error(`presence track: ${String(outcome)}`);
  }

  async disconnect(): Promise<void> {
    await this.clients.disconnectAll();
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}/api/rooms/${this.roomId}${path}`, {
      method,
      headers: {
        ...this.headers,
        authorization: `Bearer ${this.session.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async post(content: string, id: string = crypto.randomUUID()): Promise<Message> {
    const response = await this.request('POST', '/messages', { id, content });
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`post: ${response.status} ${await response.text()}`);
    return messageResponseSchema.parse(await response.json()).message;
  }

  async fetchMessages(): Promise<Message[]> {
    const response = await this.request('GET', '/messages?limit=200');
    if (!response.ok) throw new Error(`messages: ${response.status} ${await response.text()}`);
    return messagePageSchema.parse(await response.json()).messages;
  }

  /** The events received for one message, in arrival order. */
  eventsOf(messageId: string): ReceivedEvent[] {
    return this.events.filter(
      (entry) =>
        entry.payload.id === messageId ||
        (entry.payload.message as Message | undefined)?.id === messageId,
    );
  }

  /** Messages with a `message-end` received, by id. */
  ended(): Message[] {
    return this.events
      .filter((entry) => entry.event === 'message-end')
      .map((entry) => entry.payload.message as Message);
  }

  private receive(event: ReceivedEvent): void {
    this.events.push(event);
    if (this.buffering) this.buffer.push(event);
    else this.apply(event);
  }

  private apply(event: ReceivedEvent): void {
    const outcome = this.transcript.apply(event.event, event.payload);
    if (outcome.kind === 'gap') {
      this.gaps.push(String(event.payload.id));
      void this.refetch();
    }
  }

  private async refetch(): Promise<void> {
    this.transcript.merge(await this.fetchMessages());
  }
}
