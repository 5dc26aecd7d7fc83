// The embedded hub's server: HTTP upgrade, REST broadcast endpoints, topics and the in-process API.
// Why one file: topic membership, server-side presences and subscribers are one registry that
// every entry point (socket, REST, in-process) updates; one socket's protocol is connection.ts.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isOriginAllowed, type AllowedOrigins } from '../../auth/allowed-origins.ts';
import { JwtError, verifyJwt, type VerifiedClaims } from '../../auth/jwt.ts';
import { FixedWindowRateLimiter } from '../../auth/rate-limit.ts';
import { OutboundBroadcast } from './broadcast.ts';
import { TOPIC_PREFIX, topicKey, type Channel } from './channel.ts';
import { Connection } from './connection.ts';
import { CLOSE_CODE } from './errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { HubCore } from './hub-core.ts';
import { DEFAULT_LIMITS, type HubLimits } from './limits.ts';
import type { ParentLookup } from './policy.ts';
import {
  bindingMatches,
  changePayload,
  mayReadChange,
  type RowChange,
} from './postgres-changes.ts';
import { PresenceTopic, type PresenceDiff, type PresenceState } from './presence.ts';
import { handleRestRequest } from './rest.ts';
import { parseRequestUrl } from './request-url.ts';
import { VSN, encodeText, negotiateVsn, type Vsn } from './serializer.ts';

export interface HubOptions {
  /** The HS256 secret every token is checked against (`CHORUS_JWT_SECRET`). */
  jwtSecret: string;
  limits?: Partial<HubLimits>;
  /** Refuse public channels (`PrivateOnly`). Default false, as on Supabase. */
  privateOnly?: boolean;
  /** Supabase waits 2 s before refusing an upgrade and 5 s before a join error; default 0 here. */
  connectErrorDelayMs?: number;
  joinErrorDelayMs?: number;
  /** Mount point; Supabase's is `/realtime/v1`. */
  basePath?: string;
  /**
   * Browser origins allowed to connect and to call the REST endpoints (`CHORUS_ALLOWED_ORIGINS`,
   * the API's policy); default `*`. An upgrade from another origin is refused with 403.
   */
  allowedOrigins?: AllowedOrigins;
  /**
   * The parent (support room) of a conversation, or null for a room that is none
   * (docs/architecture.md §8). With it, an operator's token for support room R also joins
   * `room:<conversation of R>`; without it, operators reach only their own room. Asked only for
   * an operator's join of another room's private channel (and such a token refresh); a rejection,
   * or no answer within `parentLookupTimeoutMs`, counts as null (the join is refused).
   */
  conversationParent?: (roomId: string) => Promise<string | null>;
  /** How long a join waits for `conversationParent`; default {@link PARENT_LOOKUP_TIMEOUT_MS}. */
  parentLookupTimeoutMs?: number;
  log?: Logger;
}

interface Topic {
  readonly channels: Set<Channel>;
  readonly presence: PresenceTopic;
}

/** A server-side subscriber of a topic's JSON broadcasts (the SSE endpoint). */
export type BroadcastListener = (event: string, payload: unknown) => void;

/** A presence the server tracks itself (an agent), with no socket behind it. */
export interface TrackedPresence {
  update(state: Record<string, unknown>): void;
  untrack(): void;
}

export interface PublishInput {
  /** The channel name without `realtime:`, e.g. `room:lobby`. */
  topic: string;
  event: string;
  payload: unknown;
  private?: boolean;
}

const HTTP_STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/**
 * The embedded, Supabase-Realtime-compatible server: the WebSocket endpoint
 * `<basePath>/websocket`, the REST broadcast endpoints `<basePath>/api/broadcast…`, and an
 * in-process API (publish, presence) for the orchestrator's RoomBus.
 *
 * @example
 * const hub = new RealtimeHub({ jwtSecret });
 * const server = http.createServer((req, res) => hub.handleRequest(req, res) || app(req, res));
 * hub.attach(server);
 */
export class RealtimeHub implements HubCore {
  readonly limits: HubLimits;
  readonly privateOnly: boolean;
  readonly allowedOrigins: AllowedOrigins;
  closing = false;
  readonly log: Logger;
  readonly conversationParent: ParentLookup | undefined;

  private readonly topics = new Map<string, Topic>();
  private readonly listeners = new Map<string, Set<BroadcastListener>>();
  private readonly connections = new Set<Connection>();
  /** Joined channels with `postgres_changes` bindings, in join order. */
  private readonly changeChannels = new Set<Channel>();
  private readonly wss: WebSocketServer;
  private readonly basePath: string;
  private readonly servers = new Set<Server>();
  private readonly idleSweep: NodeJS.Timeout;
  private readonly restTyping: FixedWindowRateLimiter;

  constructor(private readonly options: HubOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.privateOnly = options.privateOnly ?? false;
    this.basePath = options.basePath ?? '/realtime/v1';
    this.allowedOrigins = options.allowedOrigins ?? '*';
    this.restTyping = new FixedWindowRateLimiter({
      limit: this.limits.maxTypingPerSecond,
      windowMs: 1000,
    });
    this.log = options.log ?? (() => {});
    const lookup = options.conversationParent;
    const timeoutMs = options.parentLookupTimeoutMs ?? PARENT_LOOKUP_TIMEOUT_MS;
    this.conversationParent =
      lookup && ((roomId) => withTimeout(lookup(roomId), timeoutMs, `the parent of ${roomId}`));
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.limits.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.idleSweep = setInterval(
      () => this.closeIdleSockets(),
      Math.max(10, this.limits.idleTimeoutMs / 4),
    );
    this.idleSweep.unref();
  }

  /** Starts answering WebSocket upgrades on `server`. */
  attach(server: Server): void {
    this.servers.add(server);
    server.on('upgrade', this.handleUpgrade);
  }

  /** Serves the REST broadcast endpoints; returns false for any other request. */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean {
    return handleRestRequest(this, `${this.basePath}/api/broadcast`, request, response);
  }

  verify(token: string): VerifiedClaims {
    return verifyJwt(token, this.options.jwtSecret);
  }

  /** Broadcasts to every subscriber of a topic, as the single-message REST endpoint does. */
  publish(input: PublishInput): number {
    const outbound = OutboundBroadcast.fromJson(
      `${TOPIC_PREFIX}${input.topic}`,
      input.event,
      input.payload,
    );
    return this.fanOut(input.topic, input.private ?? true, outbound);
  }

  /**
   * Sends a committed row change as a `postgres_changes` event to every channel, on any topic,
   * with a binding that asks for it and a token that may read the row (docs/realtime-protocol.md
   * §10). The payload's `ids` are that channel's matching bindings. Returns the channels reached.
   */
  publishChange(change: RowChange): number {
    let delivered = 0;
    for (const channel of this.changeChannels) {
      if (!mayReadChange(channel.claims, change)) continue;
      const ids = channel.postgresBindings
        .filter((binding) => bindingMatches(binding, change))
        .map((binding) => binding.id);
      if (ids.length === 0) continue;
      channel.connection.sendFrame({
        joinRef: channel.joinRef,
        ref: null,
        topic: channel.topic,
        event: 'postgres_changes',
        payload: changePayload([...new Set(ids)], change),
      });
      delivered += 1;
    }
    return delivered;
  }

  /** Whether any channel has `postgres_changes` bindings (the change feed reads rows only then). */
  wantsChanges(): boolean {
    return this.changeChannels.size > 0;
  }

  /** Tracks a presence owned by the server itself under `key`. */
  trackServerPresence(input: {
    topic: string;
    key: string;
    state: Record<string, unknown>;
    private?: boolean;
  }): TrackedPresence {
    const owner = {};
    const isPrivate = input.private ?? true;
    this.trackPresence(owner, input.topic, isPrivate, input.key, input.state);
    return {
      update: (state) => this.trackPresence(owner, input.topic, isPrivate, input.key, state),
      untrack: () => this.untrackPresence(owner, input.topic, isPrivate),
    };
  }

  /**
   * Calls `listener` with every JSON broadcast on a topic, whoever sent it (a socket, REST or
   * {@link RealtimeHub.publish}). Returns a function that stops listening.
   */
  listen(input: { topic: string; private?: boolean }, listener: BroadcastListener): () => void {
    const key = topicKey(input.topic, input.private ?? true);
    const set = this.listeners.get(key) ?? new Set();
    set.add(listener);
    this.listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  presenceState(subTopic: string, isPrivate: boolean): PresenceState {
    return this.topics.get(topicKey(subTopic, isPrivate))?.presence.state() ?? {};
  }

  stats(): { connections: number; topics: number; channels: number } {
    let channels = 0;
    for (const topic of this.topics.values()) channels += topic.channels.size;
    return { connections: this.connections.size, topics: this.topics.size, channels };
  }

  subscribe(channel: Channel): void {
    this.topic(channel.subTopic, channel.isPrivate, true)!.channels.add(channel);
    if (channel.postgresBindings.length > 0) this.changeChannels.add(channel);
  }

  unsubscribe(channel: Channel): void {
    this.untrackPresence(channel, channel.subTopic, channel.isPrivate);
    this.changeChannels.delete(channel);
    const key = topicKey(channel.subTopic, channel.isPrivate);
    const topic = this.topics.get(key);
    if (!topic) return;
    topic.channels.delete(channel);
    if (topic.channels.size === 0 && topic.presence.size === 0) this.topics.delete(key);
  }

  fanOut(
    subTopic: string,
    isPrivate: boolean,
    outbound: OutboundBroadcast,
    except?: Channel,
  ): number {
    const key = topicKey(subTopic, isPrivate);
    this.notifyListeners(key, outbound);
    const topic = this.topics.get(key);
    if (!topic) return 0;
    let delivered = 0;
    for (const channel of topic.channels) {
      if (channel === except || !channel.access.read) continue;
      const frame = outbound.frameFor(channel.connection.vsn);
      if (frame === null) continue;
      channel.connection.send(frame);
      delivered += 1;
    }
    return delivered;
  }

  trackPresence(
    owner: object,
    subTopic: string,
    isPrivate: boolean,
    key: string,
    state: Record<string, unknown>,
  ): void {
    const topic = this.topic(subTopic, isPrivate, true)!;
    const diff = topic.presence.track(owner, key, state);
    if (diff) this.sendPresenceDiff(subTopic, topic, diff);
  }

  untrackPresence(owner: object, subTopic: string, isPrivate: boolean): void {
    const key = topicKey(subTopic, isPrivate);
    const topic = this.topics.get(key);
    const diff = topic?.presence.untrack(owner);
    if (!topic || !diff) return;
    this.sendPresenceDiff(subTopic, topic, diff);
    if (topic.channels.size === 0 && topic.presence.size === 0) this.topics.delete(key);
  }

  takeRestTyping(participantId: string): boolean {
    return this.restTyping.hit(participantId).allowed;
  }

  afterJoinErrorDelay(send: () => void): void {
    const delay = this.options.joinErrorDelayMs ?? 0;
    if (delay > 0) setTimeout(send, delay).unref();
    else send();
  }

  /** Closes every socket with 1012 (service restart) so clients reconnect elsewhere or later. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.idleSweep);
    for (const server of this.servers) server.off('upgrade', this.handleUpgrade);
    const closed = [...this.connections].map(
      (connection) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            connection.socket.terminate();
            resolve();
          }, 1000);
          connection.socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          connection.socket.close(CLOSE_CODE.SERVICE_RESTART, 'service restart');
        }),
    );
    await Promise.all(closed);
    this.wss.close();
  }

  private topic(subTopic: string, isPrivate: boolean, create: boolean): Topic | undefined {
    const key = topicKey(subTopic, isPrivate);
    let topic = this.topics.get(key);
    if (!topic && create) {
      topic = { channels: new Set(), presence: new PresenceTopic() };
      this.topics.set(key, topic);
    }
    return topic;
  }

  private sendPresenceDiff(subTopic: string, topic: Topic, diff: PresenceDiff): void {
    const frames = new Map<Vsn, string>();
    const fullTopic = `${TOPIC_PREFIX}${subTopic}`;
    for (const channel of topic.channels) {
      if (!channel.presenceEnabled || !channel.access.read) continue;
      const vsn = channel.connection.vsn;
      let frame = frames.get(vsn);
      if (frame === undefined) {
        frame = encodeText(
          { joinRef: null, ref: null, topic: fullTopic, event: 'presence_diff', payload: diff },
          vsn,
        );
        frames.set(vsn, frame);
      }
      channel.connection.send(frame);
    }
  }

  private notifyListeners(key: string, outbound: OutboundBroadcast): void {
    const listeners = this.listeners.get(key);
    if (!listeners) return;
    const payload = outbound.json;
    if (payload === undefined) return;
    for (const listener of listeners) {
      try {
        listener(outbound.userEvent, payload);
      } catch (error) {
        this.log('error', 'realtime.listener_failed', { error });
      }
    }
  }

  private closeIdleSockets(): void {
    const cutoff = Date.now() - this.limits.idleTimeoutMs;
    for (const connection of this.connections) {
      if (connection.lastSeen < cutoff) connection.socket.terminate();
    }
  }

  private readonly handleUpgrade = (
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void => {
    const url = parseRequestUrl(request.url);
    socket.on('error', () => socket.destroy());
    if (url?.pathname !== `${this.basePath}/websocket`) {
      // Another upgrade handler's path; when there is none, answer rather than leak the socket.
      const others = [...this.servers].some((server) => server.listenerCount('upgrade') > 1);
      if (!others)
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const refuse = (status: number, body?: string) => {
      const delay = this.options.connectErrorDelayMs ?? 0;
      const write = () => {
        if (socket.destroyed) return;
        const content = body ?? '';
        socket.end(
          `HTTP/1.1 ${status} ${HTTP_STATUS_TEXT[status] ?? 'Error'}\r\nconnection: close\r\n` +
            `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(content)}\r\n\r\n${content}`,
        );
      };
      if (delay > 0) setTimeout(write, delay).unref();
      else write();
    };
    if (this.closing) return refuse(503);
    const origin = request.headers.origin;
    if (
      origin !== undefined &&
      !isOriginAllowed(origin, this.allowedOrigins, request.headers.host)
    ) {
      return refuse(
        403,
        JSON.stringify({
          error: "Origin not allowed: the server's CHORUS_ALLOWED_ORIGINS must list it",
        }),
      );
    }
    const vsn = negotiateVsn(url.searchParams.get('vsn'));
    if (vsn === null) return refuse(403);
    const header = request.headers['x-api-key'];
    const apikey =
      (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('apikey');
    if (!apikey) return refuse(401, JSON.stringify({ error: 'API key is missing' }));
    try {
      this.verify(apikey);
    } catch (error) {
      if (!(error instanceof JwtError)) throw error;
      return refuse(401, JSON.stringify({ error: error.message }));
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, vsn, apikey));
  };

  private accept(ws: WebSocket, vsn: Vsn, apikey: string): void {
    const connection = new Connection(this, ws, vsn, apikey);
    this.connections.add(connection);
    ws.on('message', (data, isBinary) => connection.receive(toBuffer(data), isBinary));
    ws.on('error', (error) => this.log('debug', 'realtime.socket_error', { error: error.message }));
    ws.on('close', () => {
      this.connections.delete(connection);
      connection.dispose();
    });
    this.log('debug', 'realtime.connected', { vsn: vsn === VSN.V2 ? 2 : 1 });
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** How long a join waits for {@link HubOptions.conversationParent} before it is refused. */
export const PARENT_LOOKUP_TIMEOUT_MS = 5000;

/** `promise`, or a rejection once `ms` have passed without it settling. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer for ${what} within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
