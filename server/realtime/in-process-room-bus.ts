import { inboxChannelName, roomChannelName } from '../../protocol/room.ts';
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

/** A presence the hub tracks on the server's behalf, with no socket behind it. */
export interface ServerPresenceHandle {
  update(state: Record<string, unknown>): void;
  untrack(): void;
}

/**
 * The calls {@link InProcessRoomBus} makes on the embedded hub (`RealtimeHub` satisfies it), so
 * that code holding a bus never depends on the hub's WebSocket machinery.
 */
export interface InProcessRealtime {
  /** Delivers to every reader of the topic at once; returns how many sockets it reached. */
  publish(input: { topic: string; event: string; payload: unknown; private?: boolean }): number;
  trackServerPresence(input: {
    topic: string;
    key: string;
    state: Record<string, unknown>;
    private?: boolean;
  }): ServerPresenceHandle;
  presenceState(
    subTopic: string,
    isPrivate: boolean,
  ): Readonly<Record<string, { readonly metas: ReadonlyArray<Readonly<Record<string, unknown>>> }>>;
  /** Calls `listener` with every JSON broadcast on a topic, whoever sent it; returns a function that stops listening. */
  listen(
    input: { topic: string; private?: boolean },
    listener: (event: string, payload: unknown) => void,
  ): () => void;
}

/**
 * The room bus of the single-process deployment (`npm start`): it calls the embedded hub
 * directly. Delivery is synchronous: when `broadcast` resolves, the frame is in every
 * subscriber's socket buffer, so the order of calls is the order on the wire, and a slow
 * subscriber is the hub's concern (it cuts off sockets that cannot keep up). Agents are
 * presences the hub tracks itself, one per (room, agent).
 *
 * @example
 * const hub = new RealtimeHub({ jwtSecret });
 * const bus: RoomBus = new InProcessRoomBus(hub);
 * await bus.broadcast('lobby', 'message', { message });
 */
export class InProcessRoomBus implements RoomBus {
  /** `roomId` -> `agentId` -> the hub's handle on that agent's presence. */
  private readonly agents = new Map<string, Map<string, ServerPresenceHandle>>();
  /** Stops of the hub listeners behind {@link InProcessRoomBus.subscribe}, ended on close. */
  private readonly subscriptions = new Set<() => void>();
  private closed = false;

  constructor(private readonly hub: InProcessRealtime) {}

  async broadcast(roomId: string, event: string, payload: BroadcastPayload): Promise<void> {
    this.check(roomId);
    assertBroadcast(event, payload);
    this.hub.publish({ topic: roomChannelName(roomId), event, payload, private: true });
  }

  async broadcastToInbox(roomId: string, event: string, payload: BroadcastPayload): Promise<void> {
    this.check(roomId);
    assertBroadcast(event, payload);
    this.hub.publish({ topic: inboxChannelName(roomId), event, payload, private: true });
  }

  async trackAgent(roomId: string, agentId: string, meta: AgentMeta): Promise<void> {
    this.check(roomId);
    assertAgentId(agentId);
    const state = { ...agentPresence(agentId, meta) };
    let room = this.agents.get(roomId);
    const tracked = room?.get(agentId);
    if (tracked) {
      tracked.update(state);
      return;
    }
    if (!room) this.agents.set(roomId, (room = new Map()));
    room.set(
      agentId,
      this.hub.trackServerPresence({
        topic: roomChannelName(roomId),
        key: agentId,
        state,
        private: true,
      }),
    );
  }

  async untrackAgent(roomId: string, agentId: string): Promise<void> {
    this.check(roomId);
    assertAgentId(agentId);
    const room = this.agents.get(roomId);
    room?.get(agentId)?.untrack();
    room?.delete(agentId);
    if (room?.size === 0) this.agents.delete(roomId);
  }

  async presence(roomId: string): Promise<PresenceEntry[]> {
    this.check(roomId);
    const state = this.hub.presenceState(roomChannelName(roomId), true);
    return flattenPresence(
      Object.fromEntries(Object.entries(state).map(([key, { metas }]) => [key, metas])),
    );
  }

  async subscribe(roomId: string, listener: RoomEventListener): Promise<() => Promise<void>> {
    this.check(roomId);
    const stopListening = this.hub.listen(
      { topic: roomChannelName(roomId), private: true },
      (event, payload) => {
        if (typeof payload === 'object' && payload !== null && !Array.isArray(payload))
          listener(event, payload as Record<string, unknown>);
      },
    );
    this.subscriptions.add(stopListening);
    return async () => {
      this.subscriptions.delete(stopListening);
      stopListening();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stopListening of this.subscriptions) stopListening();
    this.subscriptions.clear();
    for (const room of this.agents.values()) for (const handle of room.values()) handle.untrack();
    this.agents.clear();
  }

  private check(roomId: string): void {
    assertRoomId(roomId);
    if (this.closed) throw new RoomBusClosedError(roomId);
  }
}
