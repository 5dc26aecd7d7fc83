/**
 * Production shape (docs/architecture.md §1, §7): Chorus on an external Supabase Realtime
 * (`CHORUS_REALTIME_URL`), played here by a standalone hub with its own port and the same JWT
 * secret, as hosted Realtime shares the project's. Everything is real: sockets, the official
 * realtime-js client, PGlite, and a Postgres server two Chorus processes share.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../protocol/room.ts';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../../server/providers/chat-model.ts';
import { createApiKeys } from '../../server/auth/keys.ts';
import { loadConfig } from '../../server/config.ts';
import { startChorus, startServer, type ChorusServer } from '../../server/start-server.ts';
import { startChorusServer } from '../helpers/chorus-server.ts';
import { configProblems } from '../helpers/config-problems.ts';
import { openTestPGlite, openTestPostgres } from '../helpers/databases.ts';
import { TEST_JWT_SECRET, startTestHub, type TestHub } from '../helpers/hub.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { throwawayConfig } from '../helpers/throwaway-config.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { openSse, type SseClient } from '../http/api-harness.ts';

const AGENTS = ['critic', 'sage', 'scout'];

/** Replies `<server> <agent>: …` a word at a time, so a reply tells which server streamed it. */
class TaggedModel implements ChatModel {
  readonly provider = 'offline';
  constructor(private readonly text: string) {}
  async *stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    for (const word of this.text.match(/\S+\s*/g) ?? []) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (request.signal.aborted) return;
      yield { type: 'text-delta', delta: word };
    }
    yield { type: 'finish', reason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
  }
}
const replyText = (server: string, agent: string) =>
  `${server} ${agent}: a reply streamed through the external realtime, word by word.`;

let hub: TestHub | undefined;
const servers: ChorusServer[] = [];
const visitors: RoomVisitor[] = [];
const streams: SseClient[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await Promise.all(visitors.splice(0).map((visitor) => visitor.disconnect()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await hub?.close();
  hub = undefined;
});

/** A Chorus server on `hub` as its external realtime: the hub's secret and keys, a throwaway data dir. */
async function startOnHub(name: string, env: Record<string, string> = {}): Promise<ChorusServer> {
  const { config, removeDataDir } = await throwawayConfig({
    CHORUS_REALTIME_URL: hub!.realtimeUrl,
    CHORUS_REALTIME_SERVICE_KEY: hub!.serviceKey,
    CHORUS_REALTIME_ANON_KEY: hub!.anonKey,
    CHORUS_JWT_SECRET: TEST_JWT_SECRET,
    CHORUS_LOG_LEVEL: 'warn',
    ...env,
  });
  const server = await startChorus(config, {
    ...(config.databaseUrl ? {} : { sql: await openTestPGlite() }),
    modelFor: (persona) => new TaggedModel(replyText(name, persona.handle)),
  });
  const running: ChorusServer = {
    ...server,
    async close() {
      await server.close();
      await removeDataDir();
    },
  };
  servers.push(running);
  return running;
}

async function join(server: ChorusServer, room: string, name: string): Promise<RoomVisitor> {
  const visitor = await RoomVisitor.join(server.url, room, name);
  visitors.push(visitor);
  return visitor;
}

const repliesTo = (messages: Message[], id: string) =>
  messages.filter((message) => message.replyTo === id && message.author.kind === 'agent');

/** The status a WebSocket upgrade request to `url` is answered with (101 if it is accepted). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

describe('Chorus on an external Supabase Realtime', () => {
  it("gives browsers the external realtime, streams the agents' replies through it and over SSE, and serves no hub itself", async () => {
    hub = await startTestHub();
    const server = await startOnHub('solo');
    expect(server.hub).toBeNull();
    expect(server.realtimeUrl).toBe(hub.realtimeUrl);
    await server.store.rooms.ensureRoom({
      id: 'lobby',
      title: 'Lobby',
      settings: { policy: 'all' },
    });

    const session = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'lobby', name: 'Ada' }),
    });
    expect(session.status).toBe(200);
    const { realtime, token } = (await session.json()) as {
      realtime: { url: string; apikey: string };
      token: string;
    };
    expect(realtime).toEqual({ url: hub.realtimeUrl, apikey: hub.anonKey, typing: 'server' });

    const ada = await join(server, 'lobby', 'Ada');
    expect(ada.session.realtime.url).toBe(hub.realtimeUrl);
    const stream = await openSse(`${server.url}/api/rooms/lobby/events`, {
      authorization: `Bearer ${token}`,
    });
    streams.push(stream);
    expect(stream.status).toBe(200);
    await stream.comment(/^connected to room/);

    const question = await ada.post('What do you all think?');
    await waitFor(() => ada.ended().length === 3, {
      timeoutMs: 15_000,
      what: 'three message-end events through the external hub',
    });
    const persisted = repliesTo(await ada.fetchMessages(), question.id);
    expect(persisted.map((message) => message.author.id).sort()).toEqual(AGENTS);
    for (const reply of persisted) {
      expect(reply).toMatchObject({
        status: 'complete',
        content: replyText('solo', reply.author.id),
      });
      const events = ada.eventsOf(reply.id).map((entry) => entry.event);
      expect(events[0]).toBe('message-start');
      expect(events.filter((event) => event === 'text-delta').length).toBe(reply.seq);
      expect(events.at(-1)).toBe('message-end');
      expect(ada.ended().find((message) => message.id === reply.id)).toEqual(reply);
      expect(ada.transcript.get(reply.id)).toEqual(reply);
      const sseEnd = await stream.next(
        (entry) =>
          entry.event === 'message-end' &&
          (entry.data as { message: Message }).message.id === reply.id,
      );
      expect((sseEnd.data as { message: Message }).message).toEqual(reply);
      expect(
        stream.events.filter(
          (entry) => entry.event === 'text-delta' && (entry.data as { id: string }).id === reply.id,
        ),
      ).toHaveLength(reply.seq);
    }

    // The hub is elsewhere: Chorus's own port refuses the realtime upgrade (its API's 404).
    expect(
      await upgradeStatus(`${server.url}/realtime/v1/websocket?apikey=${hub.anonKey}&vsn=1.0.0`),
    ).toBe(404);
    expect(
      await upgradeStatus(`${hub.httpUrl}/realtime/v1/websocket?apikey=${hub.anonKey}&vsn=1.0.0`),
    ).toBe(101);
  });

  it('scales out: two servers share one Postgres and the hub, each run is claimed once, and a visitor sees every reply', async () => {
    hub = await startTestHub();
    const database = await openTestPostgres();
    await database.sql.close();
    const a = await startOnHub('A', { DATABASE_URL: database.url });
    const b = await startOnHub('B', { DATABASE_URL: database.url });
    // Both servers race for each message's runs; post until each has streamed some replies. One
    // room throughout: replies do not wait for presence, which hosted Realtime rate-limits to 5
    // changes per 30 s per channel while every reply makes three (see decisions).
    const room = 'shared';
    await a.store.rooms.ensureRoom({ id: room, title: room, settings: { policy: 'all' } });
    const people = [await join(a, room, 'Ada'), await join(b, room, 'Grace')];
    const rounds: Array<{ question: Message; visitors: RoomVisitor[] }> = [];
    const ended = () => people[0]!.ended().filter((message) => message.author.kind === 'agent');
    const streamedBy = (server: string) =>
      ended().filter((message) => message.content.startsWith(`${server} `)).length;
    for (
      let index = 0;
      index < 12 && (index < 2 || streamedBy('A') === 0 || streamedBy('B') === 0);
      index += 1
    ) {
      const question = await people[index % 2]!.post(`Question ${index + 1}?`);
      rounds.push({ question, visitors: people });
      for (const visitor of people) {
        await waitFor(
          () => visitor.ended().filter((message) => message.replyTo === question.id).length === 3,
          { timeoutMs: 15_000, what: `the replies to question ${index + 1}` },
        );
      }
    }
    expect(streamedBy('A')).toBeGreaterThan(0);
    expect(streamedBy('B')).toBeGreaterThan(0);

    for (const { question, visitors: people } of rounds) {
      const replies = repliesTo(await people[0]!.fetchMessages(), question.id);
      expect(replies.map((reply) => reply.author.id).sort()).toEqual(AGENTS); // one each, no duplicate
      for (const reply of replies) {
        expect(reply.status).toBe('complete');
        for (const visitor of people) {
          expect(visitor.ended().filter((message) => message.id === reply.id)).toEqual([reply]);
          expect(visitor.transcript.get(reply.id)).toEqual(reply);
        }
      }
    }
    const runs = await a.store.sql.query<{
      message_id: string;
      status: string;
      lease_owner: string;
      attempt: number;
    }>('select message_id, status, lease_owner, attempt from agent_runs');
    expect(runs.rows).toHaveLength(rounds.length * 3);
    expect(new Set(runs.rows.map((run) => run.message_id)).size).toBe(runs.rows.length);
    expect(runs.rows.map((run) => [run.status, run.attempt])).toEqual(
      runs.rows.map(() => ['done', 1]),
    );
    expect(new Set(runs.rows.map((run) => run.lease_owner)).size).toBe(2);
  });
});

describe('choosing the realtime (configuration)', () => {
  const keys = createApiKeys(TEST_JWT_SECRET);
  const external = {
    CHORUS_REALTIME_URL: 'wss://project.supabase.co/realtime/v1',
    CHORUS_REALTIME_SERVICE_KEY: keys.serviceKey,
    CHORUS_REALTIME_ANON_KEY: keys.anonKey,
    CHORUS_JWT_SECRET: TEST_JWT_SECRET,
  };

  it('reads an external realtime, turning an http(s) URL into the ws(s) one realtime-js uses', () => {
    expect(loadConfig(external).realtime).toEqual({
      kind: 'external',
      url: external.CHORUS_REALTIME_URL,
      serviceKey: keys.serviceKey,
      anonKey: keys.anonKey,
    });
    expect(
      loadConfig({ ...external, CHORUS_REALTIME_URL: 'https://project.supabase.co/realtime/v1/' })
        .realtime,
    ).toMatchObject({ url: 'wss://project.supabase.co/realtime/v1' });
    expect(
      loadConfig({
        ...external,
        CHORUS_REALTIME_SERVICE_KEY: 'sb_secret_abc',
        CHORUS_REALTIME_ANON_KEY: 'sb_publishable_xyz',
      }).realtime,
    ).toMatchObject({ kind: 'external' });
  });

  it('refuses every missing or wrong combination, saying what to set', () => {
    expect(configProblems({ ...external, CHORUS_JWT_SECRET: undefined })).toEqual([
      expect.stringMatching(
        /^CHORUS_JWT_SECRET is required with CHORUS_REALTIME_URL: .*Supabase project's JWT secret/,
      ),
    ]);
    expect(
      configProblems({
        CHORUS_REALTIME_URL: external.CHORUS_REALTIME_URL,
        CHORUS_JWT_SECRET: TEST_JWT_SECRET,
      }),
    ).toEqual([
      expect.stringMatching(/^CHORUS_REALTIME_SERVICE_KEY is required with CHORUS_REALTIME_URL/),
      expect.stringMatching(/^CHORUS_REALTIME_ANON_KEY is required with CHORUS_REALTIME_URL/),
    ]);
    expect(
      configProblems({
        CHORUS_REALTIME_URL: external.CHORUS_REALTIME_URL,
        CHORUS_REALTIME_ANON_KEY: 'sb_secret_abc',
      }),
    ).toEqual([
      expect.stringMatching(/^CHORUS_JWT_SECRET is required/),
      expect.stringMatching(/^CHORUS_REALTIME_SERVICE_KEY is required/),
      expect.stringMatching(/^CHORUS_REALTIME_ANON_KEY must be the project's anon key/),
    ]);
    expect(
      configProblems({ ...external, CHORUS_REALTIME_URL: 'ftp://project.supabase.co' }),
    ).toEqual([
      expect.stringMatching(/^CHORUS_REALTIME_URL must be a ws\(s\):\/\/ or http\(s\):\/\/ URL/),
    ]);
    expect(configProblems({ ...external, CHORUS_REALTIME_URL: undefined })).toEqual([
      expect.stringMatching(/need CHORUS_REALTIME_URL/),
    ]);
    expect(configProblems({ CHORUS_REALTIME_ANON_KEY: keys.anonKey })).toEqual([
      expect.stringMatching(/need CHORUS_REALTIME_URL/),
    ]);
  });

  it('refuses keys of the wrong kind or of another project, so the service key never reaches a browser', () => {
    const other = createApiKeys('another-project-secret-that-is-long-enough-000');
    expect(configProblems({ ...external, CHORUS_REALTIME_ANON_KEY: keys.serviceKey })).toEqual([
      expect.stringMatching(/^CHORUS_REALTIME_ANON_KEY has role "service_role"/),
    ]);
    expect(configProblems({ ...external, CHORUS_REALTIME_SERVICE_KEY: keys.anonKey })).toEqual([
      expect.stringMatching(/^CHORUS_REALTIME_SERVICE_KEY has role "anon"/),
    ]);
    expect(configProblems({ ...external, CHORUS_REALTIME_SERVICE_KEY: other.serviceKey })).toEqual([
      'CHORUS_REALTIME_SERVICE_KEY is not signed with CHORUS_JWT_SECRET: both must come from the same Supabase project',
    ]);
    expect(configProblems({ ...external, CHORUS_REALTIME_ANON_KEY: 'sb_secret_abc' })).toEqual([
      expect.stringMatching(
        /^CHORUS_REALTIME_ANON_KEY must be the project's anon key \(sb_publishable_…\)/,
      ),
    ]);
    expect(configProblems({ ...external, CHORUS_REALTIME_SERVICE_KEY: 'not-a-key' })).toEqual([
      expect.stringMatching(/^CHORUS_REALTIME_SERVICE_KEY must be a Supabase API key/),
    ]);
  });

  it('without external settings runs the embedded hub on its own port, as npm start always has', async () => {
    expect(loadConfig({}).realtime).toEqual({ kind: 'embedded' });
    const server = await startChorusServer();
    servers.push(server);
    expect(server.hub).not.toBeNull();
    expect(server.realtimeUrl).toBe(`${server.url}/realtime/v1`);
    const session = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: 'lobby', name: 'Ada' }),
    });
    const { realtime } = (await session.json()) as { realtime: { url: string; apikey: string } };
    expect(realtime).toEqual({
      url: server.realtimeUrl.replace(/^http/, 'ws'),
      apikey: server.keys.anonKey,
      typing: 'channel',
    });
    expect(
      await upgradeStatus(
        `${server.url}/realtime/v1/websocket?apikey=${server.keys.anonKey}&vsn=1.0.0`,
      ),
    ).toBe(101);
  });

  it('startServer (tests, benchmarks) insists on the embedded hub', async () => {
    await expect(startServer(loadConfig(external))).rejects.toThrow(
      /embedded hub; with CHORUS_REALTIME_URL use startChorus/,
    );
  });
});
