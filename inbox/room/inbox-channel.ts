import { RealtimeClient, type WebSocketLikeConstructor } from '@supabase/realtime-js';
import { inboxChannelName, type Conversation } from '../../protocol/room.ts';
import { jitteredBackoff } from '../../widget/lib/backoff.ts';
import type { ChannelStatus } from '../../widget/room/room-channel.ts';

export interface InboxChannelOptions {
  /** `realtime.url` of the staff session. */
  url: string;
  apikey: string;
  token: string;
  /** The support room. */
  roomId: string;
  /** A WebSocket constructor where there is no global one. */
  transport?: unknown;
}

export interface InboxChannelHandlers {
  /** Every (re)join and every loss; realtime-js rejoins by itself after a loss. */
  onStatus(status: ChannelStatus, error?: Error): void;
  onConversation(conversation: Conversation): void;
}

/** The staff channel of a support room, as the inbox needs it (a fake in tests). */
export interface InboxChannel {
  join(handlers: InboxChannelHandlers): void;
  setAuth(token: string): void;
  close(): Promise<void>;
}

export type InboxChannelFactory = (options: InboxChannelOptions) => InboxChannel;

/**
 * `inbox:<room>` over the official realtime-js client (docs/architecture.md §8): private, joined
 * with the staff token, read only; each `conversation-updated {conversation}` broadcast is handed
 * on. Staff never send on it, and nobody tracks presence there.
 * @example
 * const channel = createInboxChannel({ url, apikey, token, roomId: 'support' });
 * channel.join({ onStatus, onConversation: (conversation) => list.upsert(conversation) });
 */
export function createInboxChannel(options: InboxChannelOptions): InboxChannel {
  const client = new RealtimeClient(options.url, {
    params: { apikey: options.apikey },
    reconnectAfterMs: (tries: number) => jitteredBackoff(tries),
    timeout: 10_000,
    vsn: '1.0.0',
    ...(options.transport ? { transport: options.transport as WebSocketLikeConstructor } : {}),
  });
  void client.setAuth(options.token);
  let closed = false;
  const channel = client.channel(inboxChannelName(options.roomId), {
    config: { private: true, broadcast: { self: false, ack: false }, presence: { enabled: false } },
  });
  return {
    join(handlers) {
      channel.on(
        'broadcast',
        { event: 'conversation-updated' },
        (message: { payload?: { conversation?: Conversation } }) => {
          const conversation = message.payload?.conversation;
          if (!closed && conversation && typeof conversation.id === 'string')
            handlers.onConversation(conversation);
        },
      );
      channel.subscribe((status, error) => {
        if (!closed) handlers.onStatus(status, error);
      });
    },
    setAuth(token) {
      void client.setAuth(token);
    },
    async close() {
      closed = true;
      await client.removeChannel(channel).catch(() => 'error');
      await client.disconnect();
    },
  };
}
