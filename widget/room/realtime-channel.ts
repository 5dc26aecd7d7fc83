import {
  RealtimeClient,
  type RealtimeChannel,
  type WebSocketLikeConstructor,
} from '@supabase/realtime-js';
import {
  isStaffRole,
  roomChannelName,
  type PresenceMeta,
  type RoomEvents,
} from '../../protocol/room.ts';
import type { RoomChannel, RoomChannelOptions } from './room-channel.ts';

/**
 * The room's private channel over the `@supabase/realtime-js` client (docs/architecture.md §1; the widget
 * build leaves out the parts it never runs, widget/build/trim-realtime-js.ts): `room:<id>` with `private: true`, presence keyed by participant id, broadcasts of every
 * event, the session token as access token. The socket reconnects with the given back-off and
 * realtime-js rejoins the channel after it, reporting each (re)join as `SUBSCRIBED`.
 * @example
 * const channel = createRealtimeChannel({ url, apikey, token, roomId: 'lobby', presenceKey: participant.id, reconnectAfterMs });
 * channel.join({ onStatus, onBroadcast, onPresence });
 */
export function createRealtimeChannel(options: RoomChannelOptions): RoomChannel {
  const client = new RealtimeClient(options.url, {
    params: { apikey: options.apikey },
    reconnectAfterMs: options.reconnectAfterMs,
    timeout: options.timeoutMs ?? 10_000,
    // JSON text frames: the widget build leaves out the binary serializer of vsn 2.0.0 (0.9 KB
    // gzipped; docs/decisions.md, "Widget build"), and chat events are JSON anyway.
    vsn: '1.0.0',
    ...(options.transport ? { transport: options.transport as WebSocketLikeConstructor } : {}),
  });
  void client.setAuth(options.token);
  let channel: RealtimeChannel | undefined;
  let joined = false;
  let closed = false;

  return {
    join(handlers) {
      if (channel) return;
      channel = client.channel(roomChannelName(options.roomId), {
        config: {
          private: true,
          broadcast: { self: false, ack: false },
          presence: { key: options.presenceKey, enabled: true },
        },
      });
      const current = channel;
      current.on('broadcast', { event: '*' }, (message: { event: string; payload?: unknown }) => {
        if (!closed) handlers.onBroadcast(message.event, message.payload ?? {});
      });
      current.on('presence', { event: 'sync' }, () => {
        if (!closed) handlers.onPresence(flattenPresence(current.presenceState()));
      });
      current.subscribe((status, error) => {
        if (closed) return;
        joined = status === 'SUBSCRIBED';
        handlers.onStatus(status, error);
      });
    },
    async track(meta) {
      const outcome = await channel?.track(meta as unknown as Record<string, unknown>);
      if (outcome !== undefined && outcome !== 'ok')
        throw new Error(`presence track: ${String(outcome)}`);
    },
    sendTyping(payload: RoomEvents['typing']) {
      // Never the REST fallback realtime-js uses when not joined: a typing hint is not worth it.
      if (!channel || !joined) return;
      void channel.send({ type: 'broadcast', event: 'typing', payload }).catch(() => {});
    },
    setAuth(token) {
      void client.setAuth(token);
    },
    isJoined: () => joined,
    async close() {
      closed = true;
      joined = false;
      if (channel) await client.removeChannel(channel).catch(() => 'error');
      await client.disconnect();
    },
  };
}

/** One meta per presence key (a person in two tabs shows once): the latest one. */
export function flattenPresence(state: Record<string, readonly unknown[]>): PresenceMeta[] {
  const present: PresenceMeta[] = [];
  for (const [key, metas] of Object.entries(state)) {
    const meta = metas.at(-1) as Partial<PresenceMeta> | undefined;
    if (!meta || (meta.kind !== 'human' && meta.kind !== 'agent')) continue;
    present.push({
      kind: meta.kind,
      id: typeof meta.id === 'string' ? meta.id : key,
      name: typeof meta.name === 'string' ? meta.name : key,
      ...(typeof meta.color === 'string' ? { color: meta.color } : {}),
      ...(typeof meta.avatarUrl === 'string' ? { avatarUrl: meta.avatarUrl } : {}),
      ...(meta.status === 'idle' || meta.status === 'thinking' || meta.status === 'streaming'
        ? { status: meta.status }
        : {}),
      // Staff (set by the server from the token): the people list badges them.
      ...(isStaffRole(meta.role) ? { role: meta.role } : {}),
    });
  }
  return present;
}
