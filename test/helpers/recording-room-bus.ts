import {
  RoomBusClosedError,
  agentPresence,
  assertAgentId,
  assertBroadcast,
  assertRoomId,
  type AgentMeta,
  type BroadcastPayload,
  type PresenceEntry,
  type RoomBus,
  type RoomEventListener,
} from '../../server/realtime/room-bus.ts';

export interface RecordedBroadcast {
  roomId: string;
  event: string;
  payload: BroadcastPayload;
}

/**
 * A {@link RoomBus} for unit tests of the orchestrator: it validates every call as the real
 * buses do, records the broadcasts in order, keeps agents' presence (and every status an agent
 * was shown with), and delivers to subscribers. `people` adds human presences.
 * @example
 * const bus = new RecordingRoomBus();
 * await bus.broadcast('lobby', 'message', { message });
 * bus.events('lobby').map((entry) => entry.event); // ['message']
 */
export class RecordingRoomBus implements RoomBus {
  readonly broadcasts: RecordedBroadcast[] = [];
  /** Every status each `roomId/agentId` was tracked with, in order. */
  readonly statuses = new Map<string, string[]>();
  private readonly presences = new Map<string, Map<string, Record<string, unknown>>>();
  private readonly listeners = new Map<string, Set<RoomEventListener>>();
  private closed = false;

  /** The broadcasts to one room, optionally of one event. */
  events(roomId: string, event?: string): RecordedBroadcast[] {
    return this.broadcasts.filter(
      (entry) => entry.roomId === roomId && (event === undefined || entry.event === event),
    );
  }

  /** Shows a person in the room's presence. */
  addPerson(roomId: string, id: string, name: string): void {
    this.room(roomId).set(id, { kind: 'human', id, name });
  }

  async broadcast(roomId: string, event: string, payload: BroadcastPayload): Promise<void> {
    this.check(roomId);
    assertBroadcast(event, payload);
    const copy = structuredClone(payload);
    this.broadcasts.push({ roomId, event, payload: copy });
    for (const listener of this.listeners.get(roomId) ?? []) listener(event, copy);
  }

  /** Inbox broadcasts are recorded with the room id `inbox:<room>`. */
  async broadcastToInbox(roomId: string, event: string, payload: BroadcastPayload): Promise<void> {
    this.check(roomId);
    this.broadcasts.push({ roomId: `inbox:${roomId}`, event, payload: structuredClone(payload) });
  }

  async trackAgent(roomId: string, agentId: string, meta: AgentMeta): Promise<void> {
    this.check(roomId);
    assertAgentId(agentId);
    this.room(roomId).set(agentId, { ...agentPresence(agentId, meta) });
    const key = `${roomId}/${agentId}`;
    this.statuses.set(key, [...(this.statuses.get(key) ?? []), meta.status]);
  }

  async untrackAgent(roomId: string, agentId: string): Promise<void> {
    this.check(roomId);
    assertAgentId(agentId);
    this.presences.get(roomId)?.delete(agentId);
  }

  async presence(roomId: string): Promise<PresenceEntry[]> {
    this.check(roomId);
    return [...(this.presences.get(roomId) ?? new Map<string, Record<string, unknown>>())].map(
      ([key, meta]) => ({ key, meta: { ...meta } }),
    );
  }

  async subscribe(roomId: string, listener: RoomEventListener): Promise<() => Promise<void>> {
    this.check(roomId);
    const listeners = this.listeners.get(roomId) ?? new Set<RoomEventListener>();
    this.listeners.set(roomId, listeners.add(listener));
    return async () => {
      listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.presences.clear();
    this.listeners.clear();
  }

  private room(roomId: string): Map<string, Record<string, unknown>> {
    const room = this.presences.get(roomId) ?? new Map<string, Record<string, unknown>>();
    this.presences.set(roomId, room);
    return room;
  }

  private check(roomId: string): void {
    if (this.closed) throw new RoomBusClosedError(roomId);
    assertRoomId(roomId);
  }
}
