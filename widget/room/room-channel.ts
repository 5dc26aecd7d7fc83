import type { PresenceMeta, RoomEvents } from '../../protocol/room.ts';

/** The statuses realtime-js reports for a channel (`REALTIME_SUBSCRIBE_STATES`). */
export type ChannelStatus = 'SUBSCRIBED' | 'TIMED_OUT' | 'CLOSED' | 'CHANNEL_ERROR';

export interface RoomChannelHandlers {
  /** Called on every (re)join and every loss; realtime-js rejoins by itself after a loss. */
  onStatus(status: ChannelStatus, error?: Error): void;
  onBroadcast(event: string, payload: unknown): void;
  /** Everyone present, one entry per presence key (the latest meta of that key). */
  onPresence(present: PresenceMeta[]): void;
}

export interface RoomChannelOptions {
  /** `realtime.url` of the session (e.g. `wss://chat.example.com/realtime/v1`). */
  url: string;
  apikey: string;
  token: string;
  roomId: string;
  /** The participant id: the presence key. */
  presenceKey: string;
  /** Delay before the n-th reconnect of the socket. */
  reconnectAfterMs(tries: number): number;
  /** A WebSocket constructor where there is no global one (Node 20 tests). */
  transport?: unknown;
  /** Join and push timeout (default 10 000 ms). */
  timeoutMs?: number;
}

/**
 * A room's Realtime channel as the room client needs it, so the client can be driven by a fake
 * in unit tests. `createRealtimeChannel` is the implementation over the official realtime-js.
 */
export interface RoomChannel {
  join(handlers: RoomChannelHandlers): void;
  /** Shows this participant in the room's presence (again after every rejoin). */
  track(meta: PresenceMeta): Promise<void>;
  /** The only broadcast a widget may send. Dropped when not joined. */
  sendTyping(payload: RoomEvents['typing']): void;
  /** A new token for the socket and the joined channel (and for the next rejoin). */
  setAuth(token: string): void;
  /** Whether the channel is joined right now. */
  isJoined(): boolean;
  /** Leaves and closes the socket. */
  close(): Promise<void>;
}

export type RoomChannelFactory = (options: RoomChannelOptions) => RoomChannel;
