/**
 * The REST API as a client sees it, for the tests under test/http/: `createApp` on a real HTTP
 * server (port 0) over the real store parts (createPostgresStores) (migrated in-memory PGlite), the real Orchestrator,
 * and the real InProcessRoomBus over a real RealtimeHub. Agents speak through a scripted
 * ChatModel: by default each reply is a short sentence; `hold()` makes replies stream one delta
 * and then wait until they are stopped or released.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDependencies } from '../../server/http/create-app.ts';
import type { RoomEventSource } from '../../server/http/room-service.ts';
import type { Logger, LogLevel } from '../../server/lib/logger.ts';
import { Orchestrator } from '../../server/orchestrator/orchestrator.ts';
import type { Persona } from '../../server/orchestrator/persona-file.ts';
import { createPersonaCatalog } from '../../server/orchestrator/personas.ts';
import { DEFAULT_ROOM_SETTINGS } from '../../server/orchestrator/room-settings.ts';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../../server/providers/chat-model.ts';
import { InProcessRoomBus } from '../../server/realtime/in-process-room-bus.ts';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import type { PGliteSql } from '../../server/store/pglite-sql.ts';
import { databaseAnswers } from '../../server/store/sql.ts';
import { createToolRegistry } from '../../server/tools/registry.ts';
import type { RoomSettings } from '../../protocol/room.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { checkAnswer, checkRoomEvent } from './answers.ts';
import { startTestHub, TEST_JWT_SECRET, type TestHub } from '../helpers/hub.ts';

export const IDENTITY_SECRET = 'host-identity-secret-for-tests-0123456789';
/** The admin key of the test API (`CHORUS_ADMIN_KEY`). */
export const ADMIN_KEY = 'chorus_admin_key-for-tests-0123456789abcdef';

export interface LogEntry {
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into answers freely
  body: any;
}

export interface RequestOptions {
  token?: string;
  /** Sent as JSON (with `Content-Type: application/json` unless `headers` says otherwise). */
  body?: unknown;
  /** Sent as is. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

function persona(handle: string, name: string, isDefault = false): Persona {
  return {
    name,
    handle,
    provider: 'offline',
    model: `${handle}-model`,
    color: isDefault ? '#1d4ed8' : '#b45309',
    tools: [],
    description: `${name} answers briefly.`,
    keywords: [],
    isDefault,
    systemPrompt: `You are ${name}.`,
    sourceFile: `${handle}.md`,
  };
}

/** A model that answers `Hello from <Name>.` in a few deltas, or (held) waits after its first delta. */
class ScriptedModel implements ChatModel {
  readonly provider = 'offline';
  held = false;
  private releases: Array<() => void> = [];

  constructor(private readonly name: string) {}

  async *stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    const words = ['Hello ', 'from ', `${this.name}.`];
    yield { type: 'text-delta', delta: words[0]! };
    if (this.held) {
      await new Promise<void>((resolve) => {
        if (request.signal.aborted) resolve();
        request.signal.addEventListener('abort', () => resolve(), { once: true });
        this.releases.push(resolve);
      });
      if (request.signal.aborted) return;
    }
    for (const word of words.slice(1)) yield { type: 'text-delta', delta: word };
    yield { type: 'finish', reason: 'stop', usage: { inputTokens: 10, outputTokens: 3 } };
  }

  release(): void {
    this.held = false;
    for (const release of this.releases.splice(0)) release();
  }
}

export interface ApiHarness {
  url: string;
  hub: TestHub;
  store: PostgresStores;
  sql: PGliteSql;
  orchestrator: Orchestrator;
  bus: InProcessRoomBus;
  logs: LogEntry[];
  request(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  /** `POST /api/session`; throws unless it answers 200. */
  session(
    room: string,
    name?: string,
    extra?: Record<string, unknown>,
  ): Promise<{ token: string; participant: { id: string; name: string } }>;
  /**
   * Every row the API could change, to assert that refused input changed nothing. Waits first
   * for agent replies already under way to finish (unless they are held), so their rows do not
   * change between two snapshots.
   */
  snapshot(): Promise<Record<string, unknown[]>>;
  /** Agents' replies stream one delta and wait, until stopped or {@link ApiHarness.release}d. */
  hold(): void;
  release(): void;
  setReady(ready: boolean): void;
  /** SSE subscriptions of a room that are live. */
  subscriptions(roomId: string): number;
  /** Another app over the same database, orchestrator and hub, with other options. */
  variant(options: VariantOptions): Promise<{ url: string; request: ApiHarness['request'] }>;
  close(): Promise<void>;
}

/** Options of {@link ApiHarness.variant}; `realtime.url` defaults to the test hub's (null: from an expected `Host`). */
export type VariantOptions = Partial<Omit<AppDependencies, 'log' | 'store' | 'jwtSecret'>>;

export type HarnessOptions = Partial<
  Omit<
    AppDependencies,
    'log' | 'store' | 'rooms' | 'roomEvents' | 'jwtSecret' | 'ready' | 'realtime'
  >
> & {
  roomDefaults?: Partial<RoomSettings>;
};

export async function startApi(options: HarnessOptions = {}): Promise<ApiHarness> {
  const { roomDefaults, ...appOptions } = options;
  const logs: LogEntry[] = [];
  const log: Logger = (level, event, fields = {}) => logs.push({ level, event, fields });
  const [sql, hub] = await Promise.all([openTestPGlite(), startTestHub()]);
  const store = createPostgresStores(sql);
  const bus = new InProcessRoomBus(hub.hub);
  const personas = createPersonaCatalog([persona('ada', 'Ada', true), persona('bob', 'Bob')]);
  const models = new Map(
    personas.personas.map((entry) => [entry.handle, new ScriptedModel(entry.name)]),
  );
  const orchestrator = new Orchestrator(
    {
      store,
      bus,
      personas,
      tools: createToolRegistry([]),
      log,
      modelFor: (entry) => models.get(entry.handle)!,
    },
    {
      coalesceWindowMs: 5,
      pollIntervalMs: 60_000,
      retryBaseDelayMs: 5,
      roomDefaults: { ...DEFAULT_ROOM_SETTINGS, ...roomDefaults },
    },
  );
  await orchestrator.start();
  let ready = true;
  const servers: http.Server[] = [];
  /** Live SSE subscriptions per room, counted around the bus. */
  const subscriptions = new Map<string, number>();
  const roomEvents: RoomEventSource = {
    broadcast: (roomId, event, payload) => bus.broadcast(roomId, event, payload),
    async subscribe(roomId, listener) {
      const unsubscribe = await bus.subscribe(roomId, listener);
      subscriptions.set(roomId, (subscriptions.get(roomId) ?? 0) + 1);
      let active = true;
      return async () => {
        if (active) subscriptions.set(roomId, (subscriptions.get(roomId) ?? 1) - 1);
        active = false;
        await unsubscribe();
      };
    },
  };
  const serve = async (overrides: VariantOptions) => {
    const app = createApp({
      identitySecret: IDENTITY_SECRET,
      adminKey: ADMIN_KEY,
      rooms: orchestrator,
      ...appOptions,
      ...overrides,
      log,
      store,
      roomEvents: overrides.roomEvents ?? roomEvents,
      jwtSecret: TEST_JWT_SECRET,
      realtime: overrides.realtime ?? { url: hub.realtimeUrl, anonKey: hub.anonKey },
      ready: overrides.ready ?? (async () => ready && (await databaseAnswers(sql))),
    });
    const server = http.createServer(app);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, request: requester(url) };
  };
  const { url, request } = await serve({});

  return {
    url,
    hub,
    store,
    sql,
    orchestrator,
    bus,
    logs,
    request,
    async session(room, name = 'Grace', extra = {}) {
      const response = await request('POST', '/api/session', { body: { room, name, ...extra } });
      if (response.status !== 200) throw new Error(`session: ${response.status} ${response.text}`);
      return response.body;
    },
    async snapshot() {
      const rows = async (query: string) => (await sql.query(query)).rows;
      const held = [...models.values()].some((model) => model.held);
      for (let waited = 0; !held && waited < 5_000; waited += 20) {
        const busy = await rows(
          `select 1 from agent_runs where status in ('queued', 'running') union all select 1 from messages where status = 'streaming'`,
        );
        if (busy.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return {
        rooms: await rows('select id, title, settings, updated_at from rooms order by id'),
        participants: await rows(
          'select room_id, id, name, last_seen_at from participants order by room_id, id',
        ),
        messages: await rows(
          'select id, room_id, content, status, seq, updated_at from messages order by position',
        ),
        runs: await rows('select id, status from agent_runs order by created_at, id'),
        events: await rows('select id, kind from room_events order by id'),
        usage: await rows('select * from token_usage order by room_id, day'),
      };
    },
    hold() {
      for (const model of models.values()) model.held = true;
    },
    release() {
      for (const model of models.values()) model.release();
    },
    setReady(value) {
      ready = value;
    },
    variant: (overrides) => serve(overrides),
    subscriptions: (roomId) => subscriptions.get(roomId) ?? 0,
    async close() {
      for (const model of models.values()) model.release();
      await orchestrator.close();
      await bus.close();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await hub.close();
      await sql.close();
    },
  };
}

/** A client of one server: JSON in, JSON (or text) out, any header allowed (`Origin`, `Host`). */
function requester(url: string) {
  return (method: string, path: string, requestOptions: RequestOptions = {}) =>
    new Promise<ApiResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...requestOptions.headers };
      let payload: string | Buffer | undefined = requestOptions.rawBody;
      if (requestOptions.body !== undefined) {
        payload = JSON.stringify(requestOptions.body);
        headers['content-type'] ??= 'application/json';
      }
      if (requestOptions.token) headers.authorization = `Bearer ${requestOptions.token}`;
      if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
      const outgoing = http.request(`${url}${path}`, { method, headers }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          const answer = {
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            text,
            body,
          };
          try {
            checkAnswer(method, path, answer);
          } catch (error) {
            reject(error as Error);
            return;
          }
          resolve(answer);
        });
      });
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
}

/** A Server-Sent Events client over `http.get`, queueing parsed events and comments. */
export interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: Array<{ event: string; data: unknown }>;
  comments: string[];
  /** Resolves with the first event (already received or future) that matches. */
  next(
    match: (event: { event: string; data: unknown }) => boolean,
    timeoutMs?: number,
  ): Promise<{ event: string; data: unknown }>;
  /** Resolves once a comment matching `pattern` has arrived. */
  comment(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const outgoing = http.get(
      url,
      { headers: { accept: 'text/event-stream', ...headers } },
      (incoming) => {
        const events: SseClient['events'] = [];
        const comments: string[] = [];
        const waiters = new Set<() => void>();
        let buffer = '';
        /** An event the contract does not describe: every later wait fails with it. */
        let failure: Error | undefined;
        let resolveEnded!: () => void;
        const ended = new Promise<void>((done) => (resolveEnded = done));
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => {
          buffer += chunk;
          let boundary: number;
          while ((boundary = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            let event = 'message';
            let data: string | undefined;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            if (data === undefined) continue;
            const received = { event, data: JSON.parse(data) as unknown };
            try {
              checkRoomEvent(received);
              events.push(received);
            } catch (error) {
              failure = error as Error;
            }
          }
          for (const waiter of [...waiters]) waiter();
        });
        incoming.on('end', () => resolveEnded());
        incoming.on('close', () => resolveEnded());
        const wait = <T>(find: () => T | undefined, timeoutMs: number, what: string) =>
          new Promise<T>((done, fail) => {
            if (failure) return fail(failure);
            const found = find();
            if (found !== undefined) return done(found);
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(
                  `SSE: timed out waiting for ${what}; got ${JSON.stringify(events.map((entry) => entry.event))}`,
                ),
              );
            }, timeoutMs);
            const check = () => {
              if (failure) {
                clearTimeout(timer);
                waiters.delete(check);
                return fail(failure);
              }
              const value = find();
              if (value === undefined) return;
              clearTimeout(timer);
              waiters.delete(check);
              done(value);
            };
            waiters.add(check);
          });
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          events,
          comments,
          next: (match, timeoutMs = 5000) => wait(() => events.find(match), timeoutMs, 'an event'),
          comment: (pattern, timeoutMs = 5000) =>
            wait(
              () => comments.find((comment) => pattern.test(comment)),
              timeoutMs,
              `a comment ${pattern}`,
            ),
          ended,
          close: () => outgoing.destroy(),
        });
      },
    );
    outgoing.on('error', reject);
  });
}
