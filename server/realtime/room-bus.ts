/**
 * The room bus: how the orchestrator talks to a room's Realtime channel (docs/architecture.md §3).
 *
 * A room `<roomId>` is the PRIVATE channel `room:<roomId>` (realtime-js topic
 * `realtime:room:<roomId>`); a support room's staff also hear on its PRIVATE channel
 * `inbox:<roomId>` (docs/architecture.md §8). The orchestrator depends on {@link RoomBus} only; `server/main.ts`
 * picks an adapter: `InProcessRoomBus` (the embedded hub, one process) or `RealtimeJsRoomBus`
 * (hosted or self-hosted Supabase Realtime). Nothing here imports a transport.
 *
 * Delivery is a hint, not the record (docs/architecture.md §3, catch-up): the bus guarantees order per
 * room and never drops a message silently (a send resolves once the realtime layer has it, or
 * rejects), but a subscriber may still miss or, across a reconnect, see a message twice. Clients
 * deduplicate by `seq` and repair gaps from Postgres.
 */
import { isRoomId } from '../../protocol/room.ts';

/** An agent's turn state; it changes at turn boundaries only, never per token. */
export type AgentStatus = 'idle' | 'thinking' | 'streaming';

/** What the caller says about an agent when tracking it; the bus adds `kind` and `id`. */
export interface AgentMeta {
  name: string;
  status: AgentStatus;
  color?: string;
  avatarUrl?: string;
}

/** An agent's presence meta as it travels on the channel (its presence key is `id`). */
export interface AgentPresence extends AgentMeta {
  kind: 'agent';
  id: string;
}

/**
 * One tracked presence in a room: the presence key (a participant id) and the state that was
 * tracked under it, without Phoenix's bookkeeping refs. A key appears once per meta: a person
 * with two tabs open is two entries with the same key.
 *
 * Human metas come from browsers: validate them before trusting any field.
 */
export interface PresenceEntry {
  key: string;
  meta: Readonly<Record<string, unknown>>;
}

/** A broadcast payload: a JSON object (docs/architecture.md §3, "Every payload is JSON"). */
export type BroadcastPayload = Readonly<Record<string, unknown>>;

/** Receives a room's broadcasts (see {@link RoomBus.subscribe}). */
export type RoomEventListener = (event: string, payload: BroadcastPayload) => void;

/**
 * Publishes to rooms and shows the orchestrator's agents in them.
 *
 * Every method validates its arguments (room ids are 1–64 chars of `[A-Za-z0-9_-]`) and
 * rejects with a {@link RoomBusClosedError} once {@link RoomBus.close} has been called.
 */
export interface RoomBus {
  /**
   * Sends `event` with `payload` to everyone in the room.
   *
   * Resolves once the realtime layer has taken the message (in process: handed to every
   * subscriber's socket; on Supabase: acknowledged by the server). Sends to one room go out in
   * the order of the calls, whether or not the caller awaits each one; a caller that sends
   * faster than the room drains waits for room (back-pressure) rather than growing a buffer.
   * Rejects with a {@link BroadcastError} when the message could not be delivered (retries
   * exhausted, or not acknowledged in time), or a {@link RoomJoinError} when the room's channel
   * could not be joined. The room's other messages are unaffected.
   *
   * @example
   * await bus.broadcast('lobby', 'text-delta', { id: replyId, seq: 3, delta: 'Hel' });
   */
  broadcast(roomId: string, event: string, payload: BroadcastPayload): Promise<void>;

  /**
   * Sends `event` with `payload` to the staff of support room `roomId`, on its private channel
   * `inbox:<roomId>` (docs/architecture.md §8; e.g. `conversation-updated {conversation}`), with
   * the same guarantees as {@link RoomBus.broadcast}: in call order per inbox, resolved once the
   * realtime layer has it, rejected with a {@link BroadcastError} or {@link RoomJoinError}
   * otherwise. The inbox's order is its own: it is not ordered against the room's broadcasts.
   *
   * @example
   * await bus.broadcastToInbox('support', 'conversation-updated', { conversation });
   */
  broadcastToInbox(roomId: string, event: string, payload: BroadcastPayload): Promise<void>;

  /**
   * Shows an agent in the room's presence under the key `agentId`, with the meta
   * `{ kind: 'agent', id: agentId, ...meta }`. Tracking the same agent again replaces its meta
   * (a status change). Resolves once the realtime layer shows that meta or a newer one.
   *
   * @example
   * await bus.trackAgent('lobby', 'ada', { name: 'Ada', color: '#7c3aed', status: 'thinking' });
   */
  trackAgent(roomId: string, agentId: string, meta: AgentMeta): Promise<void>;

  /**
   * Removes an agent from the room's presence. Untracking an agent that is not tracked is a
   * no-op.
   *
   * @example
   * await bus.untrackAgent('lobby', 'ada');
   */
  untrackAgent(roomId: string, agentId: string): Promise<void>;

  /**
   * Who is in the room, humans and agents: one entry per tracked meta.
   *
   * @example
   * const people = (await bus.presence('lobby')).filter((entry) => entry.meta.kind === 'human');
   */
  presence(roomId: string): Promise<PresenceEntry[]>;

  /**
   * Calls `listener` with every broadcast on the room's channel, whoever sent it: this bus (its
   * own sends included), another orchestrator process, or a widget (`typing`). Resolves once the
   * subscription is live, with a function that ends it. For server-side consumers such as the
   * SSE endpoint; delivery is a hint, like every broadcast (docs/architecture.md §3). Payloads that
   * are not JSON objects are not passed on. Listeners stop receiving when the bus closes.
   *
   * @example
   * const unsubscribe = await bus.subscribe('lobby', (event, payload) => console.log(event, payload));
   * await unsubscribe();
   */
  subscribe(roomId: string, listener: RoomEventListener): Promise<() => Promise<void>>;

  /**
   * Stops accepting calls, lets the messages already accepted go out (each still resolves or
   * rejects), takes the agents out of presence, and leaves every channel. Idempotent.
   *
   * @example
   * await bus.close();
   */
  close(): Promise<void>;
}

/** Base class of the bus's errors; `roomId` is the room the failed call was for. */
export class RoomBusError extends Error {
  override name = 'RoomBusError';
  constructor(
    message: string,
    readonly roomId: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The room's channel could not be joined: the server refused the join (`reason` is its text,
 * e.g. `Unauthorized: You do not have permissions to read from this Channel topic: room:x`) or
 * did not answer in time.
 */
export class RoomJoinError extends RoomBusError {
  override name = 'RoomJoinError';
  constructor(
    roomId: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`could not join the channel of room "${roomId}": ${reason}`, roomId, options);
  }
}

/** Why a broadcast was given up: its sends failed or timed out, or it waited too long. */
export type BroadcastFailure = 'error' | 'timed out' | 'expired';

/** A broadcast that was not delivered; nothing is dropped without one of these. */
export class BroadcastError extends RoomBusError {
  override name = 'BroadcastError';
  constructor(
    roomId: string,
    readonly event: string,
    readonly failure: BroadcastFailure,
    readonly attempts: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `broadcast "${event}" to room "${roomId}" failed after ${attempts} attempt(s): ${detail}`,
      roomId,
      options,
    );
  }
}

/** An agent's presence could not be shown (its tracks failed, or were not acknowledged in time). */
export class AgentPresenceError extends RoomBusError {
  override name = 'AgentPresenceError';
  constructor(
    roomId: string,
    readonly agentId: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`presence of agent "${agentId}" in room "${roomId}": ${detail}`, roomId, options);
  }
}

/** The bus was closed: the call was not carried out. */
export class RoomBusClosedError extends RoomBusError {
  override name = 'RoomBusClosedError';
  constructor(roomId: string) {
    super(`the room bus is closed (room "${roomId}")`, roomId);
  }
}

/** Realtime's binary frames carry the event name in at most 255 bytes (docs/realtime-protocol.md §4.4). */
const MAX_EVENT_BYTES = 255;

/** Throws a TypeError unless `roomId` is 1–64 chars of `[A-Za-z0-9_-]`. */
export function assertRoomId(roomId: string): void {
  if (!isRoomId(roomId)) {
    throw new TypeError(
      `invalid room id ${JSON.stringify(roomId)}: expected 1-64 characters of [A-Za-z0-9_-]`,
    );
  }
}

/** Throws a TypeError for an event name or payload the channel cannot carry intact. */
export function assertBroadcast(event: string, payload: BroadcastPayload): void {
  if (typeof event !== 'string' || event === '' || Buffer.byteLength(event) > MAX_EVENT_BYTES) {
    throw new TypeError(
      `invalid event name ${JSON.stringify(event)}: expected 1-${MAX_EVENT_BYTES} bytes`,
    );
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError(`the payload of "${event}" must be a JSON object`);
  }
  // realtime-js rewrites any payload with an `ids` key as a postgres_changes event (docs/realtime-protocol.md §10).
  if (Object.hasOwn(payload, 'ids')) {
    throw new TypeError(
      `the payload of "${event}" must not have a top-level "ids" key: realtime-js would mangle it`,
    );
  }
}

/** Throws a TypeError for an agent id that cannot be a presence key. */
export function assertAgentId(agentId: string): void {
  if (typeof agentId !== 'string' || agentId === '' || agentId.length > 255) {
    throw new TypeError(`invalid agent id ${JSON.stringify(agentId)}`);
  }
}

/** The meta published for an agent: `kind` and `id` first, absent optional fields left out. */
export function agentPresence(agentId: string, meta: AgentMeta): AgentPresence {
  const presence: AgentPresence = {
    kind: 'agent',
    id: agentId,
    name: meta.name,
    status: meta.status,
  };
  if (meta.color !== undefined) presence.color = meta.color;
  if (meta.avatarUrl !== undefined) presence.avatarUrl = meta.avatarUrl;
  return presence;
}

/** Keys Phoenix and realtime-js add to every meta; they are not part of what was tracked. */
const PRESENCE_BOOKKEEPING = new Set(['phx_ref', 'phx_ref_prev', 'presence_ref']);

/** A presence map as realtime-js exposes it: presence key -> the metas tracked under it. */
export type PresenceMap = Readonly<
  Record<string, ReadonlyArray<Readonly<Record<string, unknown>>>>
>;

/** Flattens a presence map into {@link PresenceEntry}s, copying each meta without the bookkeeping refs. */
export function flattenPresence(state: PresenceMap): PresenceEntry[] {
  const entries: PresenceEntry[] = [];
  for (const [key, metas] of Object.entries(state)) {
    for (const meta of metas) {
      const copy: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(meta))
        if (!PRESENCE_BOOKKEEPING.has(field)) copy[field] = value;
      entries.push({ key, meta: copy });
    }
  }
  return entries;
}
