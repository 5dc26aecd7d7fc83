/**
 * A subscribed room client for benchmarks: a session from `POST /api/session`, the room's private
 * channel through the official realtime-js client (as the widget joins it), and every broadcast
 * recorded with `performance.now()` in the channel callback, the same point at which
 * `test/helpers/room-visitor.ts` stamps events. Unlike RoomVisitor it keeps no transcript (no
 * catch-up fetch, no merging): the receive callback does nothing but record, so in a benchmark
 * where clients share the server's event loop they add as little work as a client can.
 *
 * @example
 * const listener = await RoomListener.join(server.url, 'lobby', 'Ada');
 * await listener.post('Hello');
 * // … listener.events: { event, payload, at }[]
 * await listener.close();
 */
import { performance } from 'node:perf_hooks';
import { realtimeClients, subscribe } from '../../test/helpers/realtime-js.ts';

export interface HeardEvent {
  event: string;
  payload: Record<string, unknown>;
  /** performance.now() in the channel's broadcast callback. */
  at: number;
}

interface Session {
  token: string;
  realtime: { url: string; apikey: string };
}

export class RoomListener {
  readonly events: HeardEvent[] = [];
  #ended = 0;
  #posted = 0;
  private readonly clients;

  private constructor(
    readonly baseUrl: string,
    readonly roomId: string,
    private readonly session: Session,
  ) {
    this.clients = realtimeClients(() => session.realtime.url);
  }

  static async join(baseUrl: string, roomId: string, name: string): Promise<RoomListener> {
    const response = await fetch(`${baseUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: roomId, name }),
    });
    if (!response.ok) throw new Error(`session: ${response.status} ${await response.text()}`);
    const listener = new RoomListener(baseUrl, roomId, (await response.json()) as Session);
    const client = listener.clients.create({
      vsn: '2.0.0',
      apikey: listener.session.realtime.apikey,
      token: listener.session.token,
      timeout: 5000,
    });
    const channel = client.channel(`room:${roomId}`, { config: { private: true } });
    channel.on('broadcast', { event: '*' }, (message) => {
      if (message.event === 'message-end') listener.#ended += 1;
      listener.events.push({
        event: message.event,
        payload: message.payload as Record<string, unknown>,
        at: performance.now(),
      });
    });
    const outcome = await subscribe(client, channel);
    if (outcome.status !== 'SUBSCRIBED')
      throw new Error(`could not join: ${outcome.status} ${outcome.error?.message ?? ''}`);
    return listener;
  }

  /** Posts a human message to the room (which opens a round). */
  async post(content: string): Promise<void> {
    this.#posted += 1;
    const response = await fetch(`${this.baseUrl}/api/rooms/${this.roomId}/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.session.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ id: crypto.randomUUID(), content }),
    });
    if (response.status !== 201 && response.status !== 200)
      throw new Error(`post: ${response.status} ${await response.text()}`);
  }

  /** How many messages this listener posted. */
  get posted(): number {
    return this.#posted;
  }

  /** How many `message-end` events arrived (counted as they come: callers poll it). */
  get ended(): number {
    return this.#ended;
  }

  async close(): Promise<void> {
    await this.clients.disconnectAll();
  }
}
