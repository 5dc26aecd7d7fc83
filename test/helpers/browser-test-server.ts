import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signJwt } from '../../server/auth/jwt.ts';
import { DEFAULT_PERSONAS_DIRECTORY } from '../../server/orchestrator/personas.ts';
import { startServer } from '../../server/start-server.ts';
import { postHumanMessage } from '../../server/store/store.ts';
import { startFakeOpenAI } from '../fakes/fake-openai.ts';
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
  /** What the agent of `widgetRooms.retry` says: its first reply breaks off after `partialText`, the next is `fullText`. */
  retryReplies: { partialText: string; fullText: string };
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
  /** Policy `all`, for a visitor reloading mid-stream. */
  reload: string;
  /** {@link BrowserTestConfig.historyMessageCount} messages, no replies. */
  history: string;
  /** Default policy, for @mentions. */
  mention: string;
  /** Only the `flaky` agent (a fake OpenAI server): its first reply fails mid-stream, a retry completes. */
  retry: string;
  /** Default policy, for a `Chorus.push(['setUser', …])` queued before the chat connects. */
  setUser: string;
  /** A support room: each visitor gets a private conversation, and may ask for a person. */
  support: string;
  /** Policy `all`, only the two `unreachable` agents: their model server refuses connections. */
  errors: string;
}

const WIDGET_ROOMS: WidgetRooms = {
  send: 'widget-send',
  all: 'widget-all',
  stop: 'widget-stop',
  lateJoiner: 'widget-late-joiner',
  reload: 'widget-reload',
  history: 'widget-history',
  mention: 'widget-mention',
  retry: 'widget-retry',
  setUser: 'widget-set-user',
  support: 'widget-support',
  errors: 'widget-errors',
};

/** Test-only personas whose OpenAI-compatible server is a port nothing listens on. */
const UNREACHABLE_HANDLES = ['unreachable-a', 'unreachable-b'];

const HISTORY_MESSAGE_COUNT = 60;

/** Offline personas at 80 tokens a second: replies take a few seconds, long enough to act mid-stream. */
const OFFLINE_TOKENS_PER_SECOND = '80';

/** A test-only persona (`provider: openai`), answered by the fake OpenAI server. */
const FLAKY_PERSONA_FILE = fileURLToPath(new URL('../fixtures/personas/flaky.md', import.meta.url));
const FLAKY_HANDLE = 'flaky';

const RETRY_REPLIES = {
  partialText: 'Here is the start of my answer, and then',
  fullText: 'Second try: this reply streams to the end and completes.',
};

/**
 * Starts the real Chorus server on port 0 with a throw-away data folder: the shipped offline
 * personas, plus `flaky`, whose model is a fake OpenAI server and who speaks only in
 * `widgetRooms.retry`.
 */
export async function startBrowserTestServer(): Promise<{
  testConfig: BrowserTestConfig;
  stop(): Promise<void>;
}> {
  const fake = await startFakeOpenAI();
  // The fake's script is one queue for the whole run, so only the retry room may reach it: its
  // first reply is cut mid-stream (the reply ends `error` with the partial text; the orchestrator
  // does not retry after the first token), the second is the one the user's Retry gets.
  fake.enqueue(
    {
      text: `${RETRY_REPLIES.partialText} the connection drops.`,
      chunkSize: RETRY_REPLIES.partialText.length,
      cutAfterChunks: 1,
    },
    { text: RETRY_REPLIES.fullText, chunkSize: 6, tokenDelayMs: 30 },
  );
  const { config, removeDataDir } = await throwawayConfig({
    CHORUS_LOG_LEVEL: 'warn',
    CHORUS_OFFLINE_TOKENS_PER_SECOND: OFFLINE_TOKENS_PER_SECOND,
    // Only `flaky` names provider `openai`; the shipped personas stay offline.
    OPENAI_BASE_URL: fake.url,
    UNREACHABLE_API_KEY: 'sk-unreachable',
  });
  const server = await startServer({
    ...config,
    personasDir: await personasWithFlaky(config.dataDir),
  });

  // A room that lists no agents gets every persona, `flaky` too: so each widget room lists its own.
  const shipped = server.personas.personas
    .map((persona) => persona.handle)
    .filter((handle) => handle !== FLAKY_HANDLE && !UNREACHABLE_HANDLES.includes(handle));
  for (const id of [
    WIDGET_ROOMS.all,
    WIDGET_ROOMS.stop,
    WIDGET_ROOMS.lateJoiner,
    WIDGET_ROOMS.reload,
  ]) {
    await server.store.rooms.ensureRoom({
      id,
      title: id,
      settings: { policy: 'all', agents: shipped },
    });
  }
  for (const id of [WIDGET_ROOMS.send, WIDGET_ROOMS.mention, WIDGET_ROOMS.setUser]) {
    await server.store.rooms.ensureRoom({ id, title: id, settings: { agents: shipped } });
  }
  await server.store.rooms.ensureRoom({
    id: WIDGET_ROOMS.support,
    title: 'Support',
    settings: { kind: 'support', handoff: true, agents: shipped },
  });
  await server.store.rooms.ensureRoom({
    id: WIDGET_ROOMS.retry,
    title: 'Retry',
    settings: { agents: [FLAKY_HANDLE] },
  });
  await server.store.rooms.ensureRoom({
    id: WIDGET_ROOMS.errors,
    title: 'Errors',
    settings: { policy: 'all', agents: UNREACHABLE_HANDLES },
  });
  await server.store.rooms.ensureRoom({
    id: WIDGET_ROOMS.history,
    title: 'History',
    settings: { agents: shipped },
  });
  const historian = { kind: 'human' as const, id: 'guest-historian', name: 'Historian' };
  for (let index = 1; index <= HISTORY_MESSAGE_COUNT; index++) {
    // A few ms apart: the widget orders by `createdAt` (ms) then id, not by the server's position.
    if (index > 1) await new Promise((resolve) => setTimeout(resolve, 3));
    await postHumanMessage(server.store, {
      id: randomUUID(),
      roomId: WIDGET_ROOMS.history,
      author: historian,
      content: `History message ${index}`,
      runs: [],
    });
  }
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const roomToken = (room: string, name: string) =>
    signJwt(
      { role: 'authenticated', sub: `guest-${name.toLowerCase()}`, room, name, exp },
      server.jwtSecret,
    );
  return {
    testConfig: {
      url: server.url,
      realtimeUrl: server.realtimeUrl,
      anonKey: server.keys.anonKey,
      lobbyTokens: [roomToken('lobby', 'Ada'), roomToken('lobby', 'Grace')],
      otherRoomToken: roomToken('elsewhere', 'Mallory'),
      widgetRooms: WIDGET_ROOMS,
      historyMessageCount: HISTORY_MESSAGE_COUNT,
      retryReplies: RETRY_REPLIES,
    },
    async stop() {
      await server.close();
      await fake.close();
      await removeDataDir();
    },
  };
}

/** A personas folder under `dataDir`: the shipped persona files and the `flaky` fixture. */
async function personasWithFlaky(dataDir: string): Promise<string> {
  const directory = path.join(dataDir, 'personas');
  await mkdir(directory);
  const shipped = (await readdir(DEFAULT_PERSONAS_DIRECTORY)).filter((name) =>
    name.endsWith('.md'),
  );
  for (const name of shipped)
    await copyFile(path.join(DEFAULT_PERSONAS_DIRECTORY, name), path.join(directory, name));
  await copyFile(FLAKY_PERSONA_FILE, path.join(directory, path.basename(FLAKY_PERSONA_FILE)));
  for (const [index, handle] of UNREACHABLE_HANDLES.entries()) {
    const name = `Unreachable ${'AB'[index]}`;
    // Port 1 of this host: nothing listens, so every request is refused at once.
    const file = `---\nname: ${name}\nhandle: ${handle}\nprovider: openai\nmodel: fake-down\ncolor: "#b91c1c"\ndescription: Test-only agent whose model server is down.\nbaseUrl: http://127.0.0.1:1/v1\napiKeyEnv: UNREACHABLE_API_KEY\n---\nYou are ${name}.\n`;
    await writeFile(path.join(directory, `${handle}.md`), file);
  }
  return directory;
}
