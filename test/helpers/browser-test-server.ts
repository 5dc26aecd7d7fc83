import { randomUUID } from 'node:crypto';
import { signJwt } from '../../server/auth/jwt.ts';
import { startServer } from '../../server/start-server.ts';
import { throwawayConfig } from './throwaway-config.ts';

/** What browser tests learn about the server the test run started (served as JSON). */
export interface BrowserTestConfig {
  url: string;
  realtimeUrl: string;
  anonKey: string;
  /** Room tokens for `lobby`, as `POST /api/session` will issue them: one per simulated visitor. */
  lobbyTokens: string[];
  /** A token for another room, to check that private channels stay closed to it. */
  otherRoomToken: string;
  /** Rooms seeded for the widget's end-to-end tests (`widget/chorus-chat.server.browser.test.ts`). */
  widgetRooms: WidgetRooms;
  /** How many messages `widgetRooms.history` holds; their content is `History message N` (1-based). */
  historyMessageCount: number;
}

/** One room per widget test, so that they do not see each other's messages. */
export interface WidgetRooms {
  /** Default policy: one agent answers. */
  send: string;
  /** Policy `all`: every agent answers every message. */
  all: string;
  /** Policy `all`, for stopping one reply. */
  stop: string;
  /** Policy `all`, for a second visitor joining mid-stream. */
  lateJoiner: string;
  /** {@link BrowserTestConfig.historyMessageCount} messages, no replies. */
  history: string;
  /** Default policy, for @mentions. */
  mention: string;
}

const WIDGET_ROOMS: WidgetRooms = {
  send: 'widget-send',
  all: 'widget-all',
  stop: 'widget-stop',
  lateJoiner: 'widget-late-joiner',
  history: 'widget-history',
  mention: 'widget-mention',
};

const HISTORY_MESSAGE_COUNT = 60;

/** Offline personas at 80 tokens a second: replies take a few seconds, long enough to act mid-stream. */
const OFFLINE_TOKENS_PER_SECOND = '80';

/** Starts the real Chorus server on port 0 with a throw-away data folder. */
export async function startBrowserTestServer(): Promise<{ testConfig: BrowserTestConfig; stop(): Promise<void> }> {
  const { config, removeDataDir } = await throwawayConfig({ CHORUS_LOG_LEVEL: 'warn', CHORUS_OFFLINE_TOKENS_PER_SECOND: OFFLINE_TOKENS_PER_SECOND });
  const server = await startServer(config);
  for (const id of [WIDGET_ROOMS.all, WIDGET_ROOMS.stop, WIDGET_ROOMS.lateJoiner]) {
    await server.store.ensureRoom({ id, title: id, settings: { policy: 'all' } });
  }
  await server.store.ensureRoom({ id: WIDGET_ROOMS.history, title: 'History' });
  const historian = { kind: 'human' as const, id: 'guest-historian', name: 'Historian' };
  for (let index = 1; index <= HISTORY_MESSAGE_COUNT; index++) {
    // A few ms apart: the widget orders by `createdAt` (ms) then id, not by the server's position.
    if (index > 1) await new Promise((resolve) => setTimeout(resolve, 3));
    await server.store.postHumanMessage({ id: randomUUID(), roomId: WIDGET_ROOMS.history, author: historian, content: `History message ${index}`, runs: [] });
  }
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const roomToken = (room: string, name: string) =>
    signJwt({ role: 'authenticated', sub: `guest-${name.toLowerCase()}`, room, name, exp }, server.jwtSecret);
  return {
    testConfig: {
      url: server.url,
      realtimeUrl: server.realtimeUrl,
      anonKey: server.keys.anonKey,
      lobbyTokens: [roomToken('lobby', 'Ada'), roomToken('lobby', 'Grace')],
      otherRoomToken: roomToken('elsewhere', 'Mallory'),
      widgetRooms: WIDGET_ROOMS,
      historyMessageCount: HISTORY_MESSAGE_COUNT,
    },
    async stop() {
      await server.close();
      await removeDataDir();
    },
  };
}
