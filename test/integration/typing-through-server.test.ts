/**
 * The widget's typing path (docs/decisions.md, "On Supabase, typing goes through the server"):
 * the widget's own RoomClient, in Node with the `ws` transport, against a whole Chorus server on
 * the embedded hub and on an external Realtime (a standalone hub, as in external-realtime.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issueRoomToken } from '../../server/auth/tokens.ts';
import { startChorus, type ChorusServer } from '../../server/start-server.ts';
import { RoomClient } from '../../widget/room/room-client.ts';
import { startChorusServer } from '../helpers/chorus-server.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { TEST_JWT_SECRET, startTestHub, type TestHub } from '../helpers/hub.ts';
import { TestSocket, type TestFrame } from '../helpers/sockets.ts';
import { throwawayConfig } from '../helpers/throwaway-config.ts';
import { waitFor } from '../helpers/wait-for.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function onExternalRealtime(hub: TestHub): Promise<ChorusServer> {
  const { config, removeDataDir } = await throwawayConfig({
    CHORUS_REALTIME_URL: hub.realtimeUrl,
    CHORUS_REALTIME_SERVICE_KEY: hub.serviceKey,
    CHORUS_REALTIME_ANON_KEY: hub.anonKey,
    CHORUS_JWT_SECRET: TEST_JWT_SECRET,
    CHORUS_LOG_LEVEL: 'warn',
  });
  const server = await startChorus(config, { sql: await openTestPGlite() });
  cleanups.push(async () => {
    await server.close();
    await removeDataDir();
  });
  return server;
}

/** The widget's client in `room`, connected, with every URL it fetched. */
async function widget(serverUrl: string, room: string) {
  const requests: string[] = [];
  const client = new RoomClient({
    server: serverUrl,
    room,
    user: { name: 'Ada' },
    storage: null,
    transport: WebSocket,
    fetch: (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
  });
  cleanups.push(() => client.disconnect());
  client.connect();
  await waitFor(() => client.state().status === 'open', { what: 'the widget to connect' });
  return { client, requests, participantId: client.session()!.participant.id };
}

/** A raw socket on the room's channel, as another participant (a room token signed with `jwtSecret`). */
async function listener(
  realtimeUrl: string,
  anonKey: string,
  jwtSecret: string,
  room: string,
): Promise<TestSocket> {
  const socket = await TestSocket.open(
    `${realtimeUrl.replace(/^http/, 'ws')}/websocket?apikey=${encodeURIComponent(anonKey)}&vsn=1.0.0`,
  );
  cleanups.push(() => socket.close());
  const { token } = issueRoomToken({
    secret: jwtSecret,
    roomId: room,
    participantId: 'guest:listener',
    role: 'guest',
    name: 'Listener',
    ttlSeconds: 600,
  });
  const reply = await socket.join(`realtime:room:${room}`, {
    access_token: token,
    config: { private: true },
  });
  expect(reply.payload.status).toBe('ok');
  return socket;
}

const isTyping = (frame: TestFrame) =>
  frame.event === 'broadcast' && frame.payload.event === 'typing';

describe('typing from the widget', () => {
  it('goes through POST /api/rooms/:room/typing when the server runs on an external Realtime', async () => {
    const hub = await startTestHub();
    cleanups.push(() => hub.close());
    const server = await onExternalRealtime(hub);
    const ada = await widget(server.url, 'lobby');
    const other = await listener(hub.realtimeUrl, hub.anonKey, TEST_JWT_SECRET, 'lobby');
    ada.client.setTyping(true);
    expect((await other.next(isTyping)).payload.payload).toEqual({
      participantId: ada.participantId,
      name: 'Ada',
      typing: true,
    });
    expect(ada.requests).toContain('POST /api/rooms/lobby/typing');
  });

  it('goes over the channel on the embedded hub, which checks it itself', async () => {
    const server = await startChorusServer();
    cleanups.push(() => server.close());
    const ada = await widget(server.url, 'lobby');
    const other = await listener(
      server.realtimeUrl,
      server.keys.anonKey,
      server.jwtSecret,
      'lobby',
    );
    ada.client.setTyping(true);
    expect((await other.next(isTyping)).payload.payload).toEqual({
      participantId: ada.participantId,
      name: 'Ada',
      typing: true,
    });
    expect(ada.requests).not.toContain('POST /api/rooms/lobby/typing');
  });
});
