// The RoomBus over a Supabase Realtime server (hosted, or the embedded hub), through realtime-js.
// Why one file: the three kinds of channel it holds (broadcast, one per tracked agent, one per
// subscribed room) share one lifecycle (join lazily, rejoin, leave when idle), and the rules that
// tie them together are easier to check read side by side. The per-channel state machine lives
// in room-bus-channel.ts, the connection pool in connection-pool.ts, the send queue in
// room-bus-send-queue.ts.
import { inboxChannelName, roomChannelName } from '../../protocol/room.ts';
import {
  RealtimeClient,
  type RealtimeClientOptions,
  type WebSocketLikeConstructor,
} from '@supabase/realtime-js';
import { WebSocket } from 'ws';
import type { Logger } from '../lib/logger.ts';
import { AgentPresenceTracker } from './room-bus-agent-presence.ts';
import { ConnectionPool } from './connection-pool.ts';
import { ChannelLink } from './room-bus-channel.ts';
import { RoomSendQueue, type SendQueueStats } from './room-bus-send-queue.ts';
import {
  RoomBusClosedError,
  agentPresence,
  assertAgentId,
  assertBroadcast,
  assertRoomId,
  flattenPresence,
  type AgentMeta,
  type BroadcastPayload,
  type PresenceEntry,
  type RoomBus,
  type RoomEventListener,
} from './room-bus.ts';

export interface RealtimeJsRoomBusOptions {
  /** The Realtime endpoint, e.g. `https://<project>.supabase.co/realtime/v1` or `ws://localhost:3000/realtime/v1`. */
  url: string;
  /** The service-role key (a JWT with `role: service_role`, or an `sb_secret_…` key): it may send every event. */
  apiKey: string;
  /** The WebSocket implementation; default: the `ws` package (Node 20 has no global WebSocket). */
  transport?: WebSocketLikeConstructor;
  /** Messages one room holds before `broadcast` callers wait for room. Default 256. */
  queueCapacity?: number;
  /** Messages of one room sent before the first is acknowledged. Default 16. */
  maxInFlight?: number;
  /** How long the server has to acknowledge a send or a track. Default 10 000 ms. */
  ackTimeoutMs?: number;
  /** Sends of one message (or tracks of one meta) that may fail before the caller is rejected. Default 3. */
  maxAttempts?: number;
  /** Pause after a failed send before the room's messages go out again. Default 200 ms. */
  retryDelayMs?: number;
  /** Longest a message (or a presence meta) may wait to be acknowledged, reconnects included. Default 30 000 ms. */
  deliveryTimeoutMs?: number;
  /** How long the first join of a room's channel may take. Default 10 000 ms. */
  joinTimeoutMs?: number;
  /** Pause before rejoining a channel the server closed (realtime-js does not). Default 1 000 ms. */
  rejoinDelayMs?: number;
  /** A room's channel is left after this long with no sends, no tracked agents and no presence reads. Default 30 000 ms. */
  idleLeaveMs?: number;
  /** Channels per connection before another connection is opened (Supabase's default limit is 100). */
  maxChannelsPerConnection?: number;
  /** Cap on an agent channel's presence pushes, under Supabase's 5 per 30 s. Null: no cap. */
  presenceRateLimit?: { calls: number; windowMs: number } | null;
  /** Other realtime-js client options, e.g. `reconnectAfterMs`, `heartbeatIntervalMs`, `logger`. */
  clientOptions?: Omit<RealtimeClientOptions, 'params' | 'transport' | 'accessToken'>;
  log?: Logger;
}

/** One room's state, as {@link RealtimeJsRoomBus.roomStats} reports it. */
export interface RoomBusRoomStats extends SendQueueStats {
  /** The broadcast channel is joined and its socket open. */
  joined: boolean;
  /** Agents tracked in the room. */
  agents: number;
}

/** A channel the bus sends on: a room's `room:<id>`, or a support room's staff `inbox:<id>`. */
interface Room {
  readonly id: string;
  /** The channel name, `room:<id>` or `inbox:<id>`. */
  readonly topic: string;
  /** An inbox channel: sends only, no presence and no agents. */
  readonly inbox: boolean;
  readonly queue: RoomSendQueue;
  /** The bus's subscription to the room's channel (sends and presence reads), while held. */
  link: ChannelLink | undefined;
  readonly agents: Map<string, { tracker: AgentPresenceTracker; link: ChannelLink }>;
  /** presence() calls in progress. */
  readers: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/** The server-side listeners of one room ({@link RealtimeJsRoomBus.subscribe}), sharing one channel. */
interface Subscription {
  readonly link: ChannelLink;
  readonly listeners: Set<RoomEventListener>;
}

const DEFAULTS = {
  queueCapacity: 256,
  maxInFlight: 16,
  ackTimeoutMs: 10_000,
  maxAttempts: 3,
  retryDelayMs: 200,
  deliveryTimeoutMs: 30_000,
  joinTimeoutMs: 10_000,
  rejoinDelayMs: 1_000,
  idleLeaveMs: 30_000,
  maxChannelsPerConnection: 100,
  presenceRateLimit: { calls: 5, windowMs: 30_000 },
} satisfies Partial<RealtimeJsRoomBusOptions>;

/**
 * The room bus for hosted or self-hosted Supabase Realtime (and any server speaking its
 * protocol, the embedded hub included), built on the unmodified `@supabase/realtime-js` client
 * with the service-role key.
 *
 * **Broadcasts** go over one connection (a second one only past `maxChannelsPerConnection`
 * rooms), on each room's private channel `room:<roomId>` joined lazily with
 * `broadcast: { ack: true, self: false }`. Each room has a bounded FIFO queue
 * ({@link RoomSendQueue}): sends go out in call order, several in flight at once, each awaited
 * until the server acknowledges it; callers wait for room when the queue is full. A send that
 * fails or is not acknowledged is sent again (from the first unacknowledged message, so the
 * order holds) up to `maxAttempts` times; messages survive a dropped connection and go out after
 * realtime-js has reconnected and rejoined. Whatever cannot be delivered within
 * `deliveryTimeoutMs` is rejected with a `BroadcastError`: nothing is dropped silently. Across a
 * reconnect a subscriber may receive a message twice (at-least-once); clients deduplicate by
 * `seq` (docs/architecture.md §3).
 *
 * **Inboxes** ({@link RealtimeJsRoomBus.broadcastToInbox}) are sent exactly like broadcasts, on
 * the support room's private channel `inbox:<roomId>` (no presence), with a queue of their own:
 * an inbox's sends are ordered among themselves, not against the room's.
 *
 * **Agents' presence** uses one connection per agent. Supabase Realtime keeps ONE presence key
 * per socket per channel (the join's `presence.key`), so one connection cannot show several
 * agents in one room: each tracked agent gets its own lazily created connection (service key),
 * which joins the room with `presence.key = agentId` and tracks the agent's meta; an agent in
 * several rooms joins them all on its one connection. The meta is tracked again after every
 * rejoin, and untracking leaves that channel (the server drops the presence with it); a
 * connection is closed when its last channel is left. Cost note: each such channel also
 * receives the room's broadcasts, and Supabase bills one message per receiver.
 *
 * **Idle rooms**: a room's channel is held only while the room is active (docs/architecture.md §7):
 * it is left `idleLeaveMs` after its last send settled, once no agent is tracked in it and no
 * `presence()` read is running, and joined again on the next use.
 *
 * **Subscriptions** ({@link RealtimeJsRoomBus.subscribe}, e.g. the SSE endpoint) use their own
 * connection, not the broadcast one: the broadcast channels are joined with `self: false`, so
 * they never receive the bus's own sends, while a channel on another connection receives every
 * broadcast of the room, this bus's included. One channel per subscribed room serves all of its
 * listeners, and is left when the last one unsubscribes.
 *
 * @example
 * const bus = new RealtimeJsRoomBus({ url: `${supabaseUrl}/realtime/v1`, apiKey: serviceRoleKey });
 * await bus.trackAgent('lobby', 'ada', { name: 'Ada', status: 'thinking' });
 * await bus.broadcast('lobby', 'message-start', { id, roomId: 'lobby', author, replyTo, reason: 'mention', createdAt });
 */
export class RealtimeJsRoomBus implements RoomBus {
  private readonly settings: Required<
    Omit<RealtimeJsRoomBusOptions, 'transport' | 'clientOptions' | 'log'>
  > &
    Pick<RealtimeJsRoomBusOptions, 'clientOptions'>;
  private readonly log: Logger;
  private readonly transport: WebSocketLikeConstructor;
  private readonly rooms = new Map<string, Room>();
  /** The inbox channels ({@link RealtimeJsRoomBus.broadcastToInbox}), held like rooms' ones. */
  private readonly inboxes = new Map<string, Room>();
  private readonly broadcastPool: ConnectionPool;
  private readonly agentPools = new Map<string, ConnectionPool>();
  private readonly listenerPool: ConnectionPool;
  private readonly subscriptions = new Map<string, Subscription>();
  /** Links being left after the room went idle; close() waits for them. */
  private readonly leaving = new Set<Promise<void>>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: RealtimeJsRoomBusOptions) {
    const { transport, log, ...rest } = options;
    this.settings = { ...DEFAULTS, ...withoutUndefined(rest) } as typeof this.settings;
    for (const key of [
      'queueCapacity',
      'maxInFlight',
      'maxAttempts',
      'maxChannelsPerConnection',
    ] as const) {
      if (!Number.isInteger(this.settings[key]) || this.settings[key] < 1)
        throw new RangeError(`${key} must be a positive integer`);
    }
    this.log = log ?? (() => {});
    this.transport = transport ?? (WebSocket as unknown as WebSocketLikeConstructor);
    this.broadcastPool = new ConnectionPool(
      () => this.createClient(),
      this.settings.maxChannelsPerConnection,
    );
    this.listenerPool = new ConnectionPool(
      () => this.createClient(),
      this.settings.maxChannelsPerConnection,
    );
  }

  async broadcast(roomId: string, event: string, payload: BroadcastPayload): Promise<void> {
    this.check(roomId);
    assertBroadcast(event, payload);
    const room = this.room(roomId);
    this.roomLink(room);
    return room.queue.enqueue(event, payload);
  }

  async broadcastToInbox(roomId: string, event: string, payload: BroadcastPayload): Promise<void> {
    this.check(roomId);
    assertBroadcast(event, payload);
    const inbox = this.room(roomId, true);
    this.roomLink(inbox);
    return inbox.queue.enqueue(event, payload);
  }

  async trackAgent(roomId: string, agentId: string, meta: AgentMeta): Promise<void> {
    this.check(roomId);
    assertAgentId(agentId);
    const room = this.room(roomId);
    const agent = room.agents.get(agentId) ?? this.openAgent(room, agentId);
    return agent.tracker.update({ ...agentPresence(agentId, meta) });
  }

  async untrackAgent(roomId: string, agentId: string): Promise<void> {
    this.check(roomId);
    assertAgentId(agentId);
    const room = this.rooms.get(roomId);
    const agent = room?.agents.get(agentId);
    if (!room || !agent) return;
    room.agents.delete(agentId);
    agent.tracker.dispose();
    try {
      await agent.link.leave();
    } finally {
      this.dropEmptyAgentPool(agentId);
      this.scheduleIdleLeave(room);
    }
  }

  async presence(roomId: string): Promise<PresenceEntry[]> {
    this.check(roomId);
    const room = this.room(roomId);
    room.readers += 1;
    try {
      const link = this.roomLink(room);
      await link.joined;
      await link.whenPresenceSynced(this.settings.joinTimeoutMs);
      return flattenPresence(link.presenceState());
    } finally {
      room.readers -= 1;
      this.scheduleIdleLeave(room);
    }
  }

  async subscribe(roomId: string, listener: RoomEventListener): Promise<() => Promise<void>> {
    this.check(roomId);
    const subscription = this.subscriptions.get(roomId) ?? this.openSubscription(roomId);
    subscription.listeners.add(listener);
    try {
      await subscription.link.joined;
    } catch (error) {
      subscription.listeners.delete(listener);
      throw error;
    }
    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      subscription.listeners.delete(listener);
      if (subscription.listeners.size > 0 || this.subscriptions.get(roomId) !== subscription)
        return;
      this.subscriptions.delete(roomId);
      await subscription.link.leave();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      const rooms = [...this.rooms.values(), ...this.inboxes.values()];
      for (const room of rooms) clearTimeout(room.idleTimer);
      await Promise.all(rooms.map((room) => room.queue.drained()));
      const leaves: Array<Promise<void>> = [];
      for (const room of rooms) {
        for (const [agentId, agent] of room.agents) {
          agent.tracker.dispose(new RoomBusClosedError(room.id)); // a track still pending will not happen
          leaves.push(agent.link.leave().finally(() => this.dropEmptyAgentPool(agentId)));
        }
        room.agents.clear();
        if (room.link) leaves.push(room.link.leave());
        room.link = undefined;
      }
      for (const subscription of this.subscriptions.values()) {
        subscription.listeners.clear();
        leaves.push(subscription.link.leave());
      }
      this.subscriptions.clear();
      await Promise.allSettled([...leaves, ...this.leaving]);
      this.rooms.clear();
      this.inboxes.clear();
    })();
    return this.closing;
  }

  /** A room's queue and channel state, or undefined when the bus holds nothing for it. */
  roomStats(roomId: string): RoomBusRoomStats | undefined {
    return this.stats(this.rooms.get(roomId));
  }

  /** A support room's inbox channel state, as {@link RealtimeJsRoomBus.roomStats} (agents: 0). */
  inboxStats(roomId: string): RoomBusRoomStats | undefined {
    return this.stats(this.inboxes.get(roomId));
  }

  private stats(room: Room | undefined): RoomBusRoomStats | undefined {
    if (!room) return undefined;
    return {
      ...room.queue.stats(),
      joined: room.link?.canSend() ?? false,
      agents: room.agents.size,
    };
  }

  /** Open realtime connections: the broadcast ones, one per tracked agent, and the subscriptions' ones. */
  get connectionCount(): number {
    let count = this.broadcastPool.size + this.listenerPool.size;
    for (const pool of this.agentPools.values()) count += pool.size;
    return count;
  }

  private createClient(): RealtimeClient {
    return new RealtimeClient(this.settings.url, {
      timeout: this.settings.ackTimeoutMs,
      ...this.settings.clientOptions,
      params: { apikey: this.settings.apiKey },
      transport: this.transport,
    });
  }

  private check(roomId: string): void {
    assertRoomId(roomId);
    if (this.closed) throw new RoomBusClosedError(roomId);
  }

  /** The channels of one kind: the rooms' or the inboxes'. */
  private registry(inbox: boolean): Map<string, Room> {
    return inbox ? this.inboxes : this.rooms;
  }

  /** The room's (or its inbox's) state, created on first use; any use cancels a pending idle leave. */
  private room(roomId: string, inbox = false): Room {
    const registry = this.registry(inbox);
    let room = registry.get(roomId);
    if (!room) {
      const created: Room = {
        id: roomId,
        topic: inbox ? inboxChannelName(roomId) : roomChannelName(roomId),
        inbox,
        link: undefined,
        agents: new Map(),
        readers: 0,
        idleTimer: undefined,
        queue: new RoomSendQueue(
          roomId,
          {
            canSend: () => created.link?.canSend() ?? false,
            send: (event, payload) =>
              created.link?.send(event, payload, this.settings.ackTimeoutMs) ??
              Promise.resolve('error'),
          },
          {
            capacity: this.settings.queueCapacity,
            maxInFlight: this.settings.maxInFlight,
            maxAttempts: this.settings.maxAttempts,
            retryDelayMs: this.settings.retryDelayMs,
            deliveryTimeoutMs: this.settings.deliveryTimeoutMs,
          },
        ),
      };
      created.queue.onIdle(() => this.scheduleIdleLeave(created));
      registry.set(roomId, (room = created));
    }
    clearTimeout(room.idleTimer);
    room.idleTimer = undefined;
    return room;
  }

  /** The bus's subscription to the room's (or inbox's) channel, joined on first use. */
  private roomLink(room: Room): ChannelLink {
    if (room.link) return room.link;
    const topic = room.topic;
    const link = new ChannelLink(this.broadcastPool.acquire(topic), {
      roomId: room.id,
      topic,
      config: {
        private: true,
        broadcast: { ack: true, self: false },
        presence: { key: '', enabled: !room.inbox },
      },
      watchPresence: !room.inbox,
      joinTimeoutMs: this.settings.joinTimeoutMs,
      rejoinDelayMs: this.settings.rejoinDelayMs,
      log: this.log,
      onJoined: () => room.queue.resume(),
      onDown: () => room.queue.interrupt(),
    });
    room.link = link;
    link.joined.catch((error: Error) => {
      if (room.link !== link) return;
      room.link = undefined;
      room.queue.failAll(error); // every send waiting for this join learns why
      this.scheduleIdleLeave(room);
    });
    return link;
  }

  /** Joins the room's channel on the subscriptions' connection, fanning its broadcasts out to the listeners. */
  private openSubscription(roomId: string): Subscription {
    const topic = roomChannelName(roomId);
    const listeners = new Set<RoomEventListener>();
    const link = new ChannelLink(this.listenerPool.acquire(topic), {
      roomId,
      topic,
      config: {
        private: true,
        broadcast: { ack: false, self: false },
        presence: { key: '', enabled: false },
      },
      watchPresence: false,
      joinTimeoutMs: this.settings.joinTimeoutMs,
      rejoinDelayMs: this.settings.rejoinDelayMs,
      log: this.log,
      onJoined: () => {},
      onDown: () => {},
      onBroadcast: (event, payload) => {
        for (const listener of [...listeners]) {
          try {
            listener(event, payload);
          } catch (error) {
            this.log('error', 'room_bus.listener_failed', { roomId, event, error });
          }
        }
      },
    });
    const subscription: Subscription = { link, listeners };
    this.subscriptions.set(roomId, subscription);
    link.joined.catch(() => {
      if (this.subscriptions.get(roomId) === subscription) this.subscriptions.delete(roomId);
    });
    return subscription;
  }

  private openAgent(
    room: Room,
    agentId: string,
  ): { tracker: AgentPresenceTracker; link: ChannelLink } {
    let pool = this.agentPools.get(agentId);
    if (!pool)
      this.agentPools.set(
        agentId,
        (pool = new ConnectionPool(
          () => this.createClient(),
          this.settings.maxChannelsPerConnection,
        )),
      );
    const tracker = new AgentPresenceTracker({
      roomId: room.id,
      agentId,
      ackTimeoutMs: this.settings.ackTimeoutMs,
      maxAttempts: this.settings.maxAttempts,
      retryDelayMs: this.settings.retryDelayMs,
      deliveryTimeoutMs: this.settings.deliveryTimeoutMs,
      rateLimit: this.settings.presenceRateLimit,
      log: this.log,
    });
    const topic = roomChannelName(room.id);
    const link = new ChannelLink(pool.acquire(topic), {
      roomId: room.id,
      topic,
      config: {
        private: true,
        broadcast: { ack: false, self: false },
        presence: { key: agentId, enabled: false },
      },
      watchPresence: false,
      joinTimeoutMs: this.settings.joinTimeoutMs,
      rejoinDelayMs: this.settings.rejoinDelayMs,
      log: this.log,
      onJoined: () => tracker.rejoined(),
      onDown: () => tracker.linkDown(),
    });
    tracker.attach(link);
    const agent = { tracker, link };
    room.agents.set(agentId, agent);
    link.joined.catch((error: Error) => {
      tracker.failAll(error);
      if (room.agents.get(agentId) !== agent) return;
      room.agents.delete(agentId);
      this.dropEmptyAgentPool(agentId);
      this.scheduleIdleLeave(room);
    });
    return agent;
  }

  private dropEmptyAgentPool(agentId: string): void {
    if (this.agentPools.get(agentId)?.size === 0) this.agentPools.delete(agentId);
  }

  private scheduleIdleLeave(room: Room): void {
    clearTimeout(room.idleTimer);
    room.idleTimer = undefined;
    if (this.closed || !this.isIdle(room) || this.registry(room.inbox).get(room.id) !== room)
      return;
    room.idleTimer = setTimeout(() => this.leaveIdleRoom(room), this.settings.idleLeaveMs);
    room.idleTimer.unref();
  }

  private isIdle(room: Room): boolean {
    return room.queue.idle && room.agents.size === 0 && room.readers === 0;
  }

  private leaveIdleRoom(room: Room): void {
    if (this.closed || !this.isIdle(room) || this.registry(room.inbox).get(room.id) !== room)
      return;
    this.registry(room.inbox).delete(room.id);
    const link = room.link;
    room.link = undefined;
    if (!link) return;
    this.log('debug', 'room_bus.idle_leave', { roomId: room.id, topic: room.topic });
    const left = link
      .leave()
      .catch((error: unknown) =>
        this.log('warn', 'room_bus.leave_failed', { roomId: room.id, error }),
      );
    this.leaving.add(left);
    void left.finally(() => this.leaving.delete(left));
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}
