import {
  RealtimeClient,
  type RealtimeChannel,
  type WebSocketLikeConstructor,
} from '@supabase/realtime-js';
import WebSocket from 'ws';

export type Vsn = '1.0.0' | '2.0.0';
/** `ws` as realtime-js's transport (Node 20 has no global WebSocket); ws's overloads need the cast. */
export const nodeTransport = WebSocket as unknown as WebSocketLikeConstructor;

export type SubscribeOutcome = {
  status: 'SUBSCRIBED' | 'TIMED_OUT' | 'CLOSED' | 'CHANNEL_ERROR';
  error?: Error;
};

/**
 * A WebSocket transport that remembers its sockets, so a test can cut a client off the way a
 * network drop does (no leave, no close frame), and can keep it from reconnecting.
 */
export function droppableTransport() {
  const sockets: WebSocket[] = [];
  let blocked = false;
  class DroppableWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(blocked ? 'ws://127.0.0.1:9/' : url, protocols);
      sockets.push(this);
    }
  }
  return {
    transport: DroppableWebSocket as unknown as WebSocketLikeConstructor,
    /** Kills every socket without a close frame and refuses reconnects. */
    drop() {
      blocked = true;
      for (const socket of sockets) socket.terminate();
    },
  };
}

/** Builds official realtime-js clients (Node `ws` transport) and disconnects them all at the end. */
export function realtimeClients(realtimeUrl: () => string) {
  const clients: RealtimeClient[] = [];
  return {
    create(options: {
      vsn: Vsn;
      apikey: string;
      token?: string;
      timeout?: number;
      transport?: WebSocketLikeConstructor;
    }): RealtimeClient {
      const client = new RealtimeClient(realtimeUrl(), {
        params: { apikey: options.apikey },
        transport: options.transport ?? nodeTransport,
        vsn: options.vsn,
        timeout: options.timeout ?? 2000,
      });
      if (options.token) void client.setAuth(options.token);
      clients.push(client);
      return client;
    },
    async disconnectAll(): Promise<void> {
      await Promise.all(clients.splice(0).map((client) => client.disconnect()));
    },
  };
}

/** Subscribes and resolves with the first outcome; on refusal the channel is removed (no endless retries). */
export function subscribe(
  client: RealtimeClient,
  channel: RealtimeChannel,
): Promise<SubscribeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    channel.subscribe((status, error) => {
      if (settled) return;
      settled = true;
      if (status !== 'SUBSCRIBED') void client.removeChannel(channel);
      resolve({ status, ...(error ? { error } : {}) });
    });
  });
}
