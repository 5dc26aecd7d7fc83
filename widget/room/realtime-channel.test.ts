/**
 * The real realtime-js adapter against the embedded hub (a real WebSocket server): join with a
 * room token, presence keyed by participant, broadcasts in, typing out, and a rejoin after the
 * hub restarts the socket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { PresenceMeta, RoomEvents } from '../../protocol/room.ts';
import { startTestHub, type TestHub } from '../../test/helpers/hub.ts';
import { droppableTransport, nodeTransport } from '../../test/helpers/realtime-js.ts';
import { createRealtimeChannel, flattenPresence } from './realtime-channel.ts';
import type { ChannelStatus, RoomChannel } from './room-channel.ts';

let hub: TestHub;
const channels: RoomChannel[] = [];

beforeEach(async () => {
  hub = await startTestHub();
});
afterEach(async () => {
  await Promise.all(channels.splice(0).map((channel) => channel.close()));
  await hub.close();
});

function open(participant: string, transport: unknown = nodeTransport, claims = {}) {
  const statuses: ChannelStatus[] = [];
  const broadcasts: { event: string; payload: unknown }[] = [];
  let present: PresenceMeta[] = [];
  const channel = createRealtimeChannel({
    url: hub.realtimeUrl,
    apikey: hub.anonKey,
    token: hub.roomToken('lobby', { sub: participant, name: participant, ...claims }),
    roomId: 'lobby',
    presenceKey: participant,
    reconnectAfterMs: () => 50,
    transport,
    timeoutMs: 2_000,
  });
  channels.push(channel);
  channel.join({
    onStatus: (status) => statuses.push(status),
    onBroadcast: (event, payload) => broadcasts.push({ event, payload }),
    onPresence: (list) => (present = list),
  });
  return { channel, statuses, broadcasts, present: () => present };
}

describe('createRealtimeChannel (realtime-js against the hub)', () => {
  it('joins the private room channel, shows presence, receives broadcasts and sends typing', async () => {
    const ada = open('guest:ada');
    const grace = open('guest:grace');
    await vi.waitFor(() => expect(ada.statuses).toContain('SUBSCRIBED'));
    await vi.waitFor(() => expect(grace.statuses).toContain('SUBSCRIBED'));
    await ada.channel.track({ kind: 'human', id: 'guest:ada', name: 'Ada' });
    await vi.waitFor(() =>
      expect(grace.present()).toEqual([{ kind: 'human', id: 'guest:ada', name: 'Ada' }]),
    );

    const delta: RoomEvents['text-delta'] = { id: 'r1', seq: 1, delta: 'Hi' };
    hub.hub.publish({ topic: 'room:lobby', event: 'text-delta', payload: delta, private: true });
    await vi.waitFor(() =>
      expect(ada.broadcasts).toEqual([{ event: 'text-delta', payload: delta }]),
    );

    ada.channel.sendTyping({ participantId: 'guest:ada', name: 'Ada', typing: true });
    await vi.waitFor(() =>
      expect(grace.broadcasts.map((entry) => entry.event)).toContain('typing'),
    );
    expect(ada.broadcasts.map((entry) => entry.event)).not.toContain('typing'); // not echoed to the sender
  });

  it('shows staff as staff: the role the hub sets from the token reaches the presence list', async () => {
    const ada = open('user:ada', nodeTransport, { chorus_role: 'admin' });
    const grace = open('guest:grace');
    await vi.waitFor(() => expect(ada.statuses).toContain('SUBSCRIBED'));
    await vi.waitFor(() => expect(grace.statuses).toContain('SUBSCRIBED'));
    await ada.channel.track({ kind: 'human', id: 'user:ada', name: 'Ada' });
    await grace.channel.track({ kind: 'human', id: 'guest:grace', name: 'Grace', role: 'admin' });
    await vi.waitFor(() =>
      expect(grace.present()).toEqual(
        expect.arrayContaining([{ kind: 'human', id: 'user:ada', name: 'Ada', role: 'admin' }]),
      ),
    );
    // A role a client tracks for itself is not believed.
    await vi.waitFor(() =>
      expect(ada.present()).toEqual(
        expect.arrayContaining([{ kind: 'human', id: 'guest:grace', name: 'Grace' }]),
      ),
    );
  });

  it('speaks vsn 1.0.0, JSON text frames only (the widget build has no vsn 2.0.0 serializer)', async () => {
    const urls: string[] = [];
    const frames: unknown[] = [];
    const Recording = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        urls.push(url);
        this.on('message', (data, isBinary) =>
          frames.push(isBinary ? 'binary' : JSON.parse(String(data))),
        );
      }
    };
    const ada = open('guest:ada', Recording);
    await vi.waitFor(() => expect(ada.statuses).toContain('SUBSCRIBED'));
    hub.hub.publish({
      topic: 'room:lobby',
      event: 'text-delta',
      payload: { id: 'r1', seq: 1, delta: 'Hi' },
      private: true,
    });
    await vi.waitFor(() => expect(ada.broadcasts).toHaveLength(1));
    expect(new URL(urls[0]!).searchParams.get('vsn')).toBe('1.0.0');
    expect(frames.length).toBeGreaterThan(1);
    expect(
      frames.every(
        (frame) =>
          typeof frame === 'object' && frame !== null && !Array.isArray(frame) && 'topic' in frame,
      ),
    ).toBe(true);
  });

  it('reports the loss and rejoins by itself when the socket drops', async () => {
    const droppable = droppableTransport();
    const ada = open('guest:ada', droppable.transport);
    await vi.waitFor(() => expect(ada.statuses).toEqual(['SUBSCRIBED']));
    droppable.drop();
    await vi.waitFor(() => expect(ada.statuses.length).toBeGreaterThan(1));
    expect(ada.statuses[1]).toBe('CHANNEL_ERROR');
    expect(ada.channel.isJoined()).toBe(false);
  });

  it('is refused a room its token is not for', async () => {
    const statuses: ChannelStatus[] = [];
    const channel = createRealtimeChannel({
      url: hub.realtimeUrl,
      apikey: hub.anonKey,
      token: hub.roomToken('elsewhere'),
      roomId: 'lobby',
      presenceKey: 'mallory',
      reconnectAfterMs: () => 50,
      transport: nodeTransport,
      timeoutMs: 2_000,
    });
    channels.push(channel);
    channel.join({
      onStatus: (status) => statuses.push(status),
      onBroadcast: () => {},
      onPresence: () => {},
    });
    await vi.waitFor(() => expect(statuses[0]).toBe('CHANNEL_ERROR'));
  });
});

describe('flattenPresence', () => {
  it('keeps one meta per key, the latest, and drops what is not a participant', () => {
    expect(
      flattenPresence({
        'guest:ada': [
          { kind: 'human', id: 'guest:ada', name: 'Ada (old tab)' },
          { kind: 'human', id: 'guest:ada', name: 'Ada', presence_ref: 'x' },
        ],
        sage: [{ kind: 'agent', id: 'sage', name: 'Sage', color: '#7c3aed', status: 'streaming' }],
        junk: [{ hello: 'world' }],
      }),
    ).toEqual([
      { kind: 'human', id: 'guest:ada', name: 'Ada' },
      { kind: 'agent', id: 'sage', name: 'Sage', color: '#7c3aed', status: 'streaming' },
    ]);
  });

  it('keeps a staff role, and only a staff role', () => {
    expect(
      flattenPresence({
        'user:ada': [{ kind: 'human', id: 'user:ada', name: 'Ada', role: 'operator' }],
        'user:root': [{ kind: 'human', id: 'user:root', name: 'Root', role: 'admin' }],
        'guest:grace': [{ kind: 'human', id: 'guest:grace', name: 'Grace', role: 'guest' }],
      }),
    ).toEqual([
      { kind: 'human', id: 'user:ada', name: 'Ada', role: 'operator' },
      { kind: 'human', id: 'user:root', name: 'Root', role: 'admin' },
      { kind: 'human', id: 'guest:grace', name: 'Grace' },
    ]);
  });
});
