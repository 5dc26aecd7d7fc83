// The composition root (docs/architecture.md §2): builds every adapter from the configuration.
// Why one file: the order in which the parts start and stop is one story, read top to bottom.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApiKeys, resolveAdminKey, resolveJwtSecret, type ApiKeys } from './auth/keys.ts';
import type { Config } from './config.ts';
import { SupabaseAuthVerifier } from './auth/supabase-auth.ts';
import { createApp } from './http/create-app.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { ensurePrivateFolder } from './lib/private-folder.ts';
import { realtimeUrlOf } from './lib/public-url.ts';
import { createObservability } from './observability/observability.ts';
import { Orchestrator } from './orchestrator/orchestrator.ts';
import {
  DEFAULT_PERSONAS_DIRECTORY,
  createPersonaCatalog,
  loadPersonas,
  withRealModel,
  type PersonaCatalog,
} from './orchestrator/personas.ts';
import type { Persona } from './orchestrator/persona-file.ts';
import { seedDemoRooms } from './demo-rooms.ts';
import { modelSummarizer } from './orchestrator/model-summarizer.ts';
import { watchKnowledgeDir } from './knowledge/knowledge-index.ts';
import { DEFAULT_ROOM_SETTINGS } from './orchestrator/room-settings.ts';
import { offlineSummarizer, type Summarizer } from './orchestrator/summarizer.ts';
import { createChatModel, type ChatModel, type ProviderSettings } from './providers/index.ts';
import { startChangeFeed } from './realtime/change-feed.ts';
import { RealtimeHub } from './realtime/hub/hub.ts';
import { InProcessRoomBus } from './realtime/in-process-room-bus.ts';
import { RealtimeJsRoomBus } from './realtime/realtime-js-room-bus.ts';
import type { RoomBus } from './realtime/room-bus.ts';
import { migrate } from './store/migrate.ts';
import { PgSql } from './store/pg-sql.ts';
import { openEmbeddedPostgres } from './store/embedded-postgres.ts';
import { embeddedFolders, holdsDatabase } from './store/embedded-folders.ts';
import { findPostgresBinaries, NO_POSTGRES_BINARIES } from './store/postgres-binaries.ts';
import { createPostgresStores, type PostgresStores } from './store/postgres-stores.ts';
import { databaseAnswers, type Sql } from './store/sql.ts';
import { loadTools } from './tools/registry.ts';
import { startWebhookWorker } from './webhooks/webhook-worker.ts';
import { DEMO_DIR, PGLITE_TEMPLATE, WIDGET_DIST_DIR, ensureWidgetBuilt } from './widget-build.ts';

/** A running Chorus server, on the embedded hub or on an external Supabase Realtime. */
export interface ChorusServer {
  /** `http://host:port` as clients reach it. */
  url: string;
  /** The realtime-js endpoint: `<url>/realtime/v1`, or the external realtime's URL. */
  realtimeUrl: string;
  /** The keys of that realtime: the embedded hub's own, or the configured ones. */
  keys: ApiKeys;
  jwtSecret: string;
  /** The admin key (`CHORUS_ADMIN_KEY`, or the one kept in the data folder). */
  adminKey: string;
  /** The embedded hub; null with an external realtime (`CHORUS_REALTIME_URL`). */
  hub: RealtimeHub | null;
  /** The store's parts (rooms, transcript, runs, budget, summaries, audit) over the server's database. */
  store: PostgresStores;
  orchestrator: Orchestrator;
  personas: PersonaCatalog;
  close(): Promise<void>;
}

/** A server on the embedded hub ({@link startServer}): tests and benchmarks reach into the hub. */
export interface RunningServer extends ChorusServer {
  hub: RealtimeHub;
}

/** Rooms the demo pages use (`demo/`). */

export interface StartOptions {
  log?: Logger;
  /** Replaces the model of every persona (tests and benchmarks: a fake provider). */
  modelFor?: (persona: Persona) => ChatModel;
  /** An already-migrated database (tests load a PGlite template). */
  sql?: Sql;
  /** Serve the widget and demo pages, building the widget first when it is out of date. */
  serveWidget?: boolean;
}

/**
 * {@link startChorus} on the embedded hub, which the result always has: for tests and
 * benchmarks. A configuration with an external realtime is refused (use `startChorus`).
 * @example const server = await startServer(config, { sql });
 */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  if (config.realtime.kind !== 'embedded')
    throw new Error('startServer runs the embedded hub; with CHORUS_REALTIME_URL use startChorus');
  const server = await startChorus(config, options);
  return { ...server, hub: server.hub as RealtimeHub }; // embedded: always there
}

/**
 * Builds every adapter from `config` and starts listening: the composition root's work,
 * importable by tests (port 0) as well as run by `main.ts`.
 * @example const server = await startChorus(loadConfig(process.env), { serveWidget: true });
 */
export async function startChorus(
  config: Config,
  options: StartOptions = {},
): Promise<ChorusServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const jwtSecret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
  const adminKey = await resolveAdminKey(config.adminKey, config.dataDir);
  const observability = createObservability(config.operations); // docs/architecture.md §10
  const database = options.sql
    ? { sql: options.sql, engine: 'given' }
    : await openDatabase(config, log);
  const sql = observability.instrumentSql(database.sql);
  const store = createPostgresStores(sql);
  const tools = await loadTools();
  const personas = await loadPersonaCatalog(config, tools.names);
  const models = new Map(
    personas.personas.map((persona) => [persona.handle, modelOf(persona, config.providers)]),
  );
  const realtime = createRealtime(config, jwtSecret, log, async (roomId) => {
    const room = await store.rooms.getRoom(roomId);
    return room?.parentId ?? null;
  });
  const bus = observability.countBroadcasts(realtime.bus);
  // postgres_changes for messages and rooms on the embedded hub (docs/architecture.md §9); an
  // external Supabase Realtime serves them from its own replication.
  const hub = realtime.hub;
  const changeFeed =
    hub &&
    (await startChangeFeed({
      sql,
      publish: (change) => hub.publishChange(change),
      interested: () => hub.wantsChanges(),
      log,
    }));
  const orchestrator = new Orchestrator(
    {
      store,
      bus,
      personas,
      tools,
      log,
      webhooks: config.webhooks ? store.webhooks : null, // off: nothing is queued
      telemetry: observability.telemetry,
      modelFor: options.modelFor ?? ((persona) => models.get(persona.handle)!),
      summarizer: summarizerFor(config, log),
    },
    {
      coalesceWindowMs: config.orchestrator.coalesceWindowMs,
      coalesceMaxChars: config.orchestrator.coalesceMaxChars,
      maxConcurrentReplies: config.orchestrator.maxConcurrentReplies,
      summaryQuietMs: config.orchestrator.summaryQuietMs,
      summaryConversationQuietMs: config.orchestrator.conversationSummaryQuietMs,
      maxRepliesPerRoom: config.orchestrator.maxRepliesPerRoom,
      roomDefaults: {
        ...DEFAULT_ROOM_SETTINGS,
        maxAgentTurns: config.orchestrator.maxAgentTurns,
        tokensPerDay: config.orchestrator.tokensPerDay,
      },
    },
  );
  await orchestrator.start();
  const webhooks = await startWebhookWorker(config.webhooks, {
    outbox: store.webhooks,
    log,
    onAttempt: (attempt) => observability.metrics.webhookAttempts.inc(attempt),
  });

  if (options.serveWidget) {
    await ensureWidgetBuilt(log);
    await seedDemoRooms(store.rooms);
  }
  // Knowledge sources (docs/architecture.md §12): the configured folder, or the demo site's.
  const knowledgeDir =
    config.knowledgeDir ?? (options.serveWidget ? path.join(DEMO_DIR, 'knowledge') : null);
  const knowledge = knowledgeDir ? watchKnowledgeDir(knowledgeDir, store.knowledge, { log }) : null;
  await knowledge?.ready;
  let closing = false;
  const { keys } = realtime;
  const app = createApp({
    log,
    store,
    rooms: orchestrator,
    roomEvents: bus,
    jwtSecret,
    identitySecret: config.identitySecret,
    supabaseAuth: config.supabaseAuth && new SupabaseAuthVerifier(config.supabaseAuth),
    adminKey,
    realtime: {
      url:
        config.publicRealtimeUrl ??
        realtime.url ??
        (config.publicUrl ? realtimeUrlOf(config.publicUrl) : null),
      anonKey: keys.anonKey,
      typing: realtime.hub ? 'channel' : 'server',
    },
    sql,
    ready: async () => !closing && (await databaseAnswers(sql)),
    sessionTtlSeconds: config.sessionTtlSeconds,
    allowedOrigins: config.allowedOrigins,
    listenHost: config.host,
    limits: config.apiLimits,
    trustProxy: config.trustProxy,
    metrics: observability.route,
    rateLimiters: observability.rateLimiters(sql),
    ...(options.serveWidget ? { assets: { widgetDir: WIDGET_DIST_DIR, demoDir: DEMO_DIR } } : {}),
  });
  const server = http.createServer((request, response) => {
    if (!realtime.hub?.handleRequest(request, response)) app(request, response);
  });
  realtime.hub?.attach(server);
  observability.watch({ hub: realtime.hub, sql });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log('info', 'server.started', {
    url,
    database: database.engine,
    realtime: config.realtime.kind,
    personas: personas.personas.map((persona) => persona.handle),
  });
  return {
    url,
    realtimeUrl: realtime.url ?? `${url}/realtime/v1`,
    keys,
    jwtSecret,
    adminKey,
    hub: realtime.hub,
    store,
    orchestrator,
    personas,
    async close() {
      closing = true;
      await orchestrator.close(); // replies cut here queue their `reply.completed` first
      await webhooks?.close();
      knowledge?.close();
      await bus.close();
      await changeFeed?.close();
      await realtime.hub?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await observability.close();
    },
  };
}

/** What carries the rooms' broadcasts and presence, and what browsers connect to. */
interface Realtime {
  bus: RoomBus;
  /** The embedded hub, served on this server's port; null for an external realtime. */
  hub: RealtimeHub | null;
  /** The realtime-js URL; null: this server's own `/realtime/v1`. */
  url: string | null;
  keys: ApiKeys;
}

/**
 * The embedded hub with an in-process bus (`npm start`), or a realtime-js bus publishing through
 * an external Supabase Realtime with the configured keys (docs/architecture.md §1, §7).
 */
function createRealtime(
  config: Config,
  jwtSecret: string,
  log: Logger,
  conversationParent: (roomId: string) => Promise<string | null>,
): Realtime {
  const settings = config.realtime;
  if (settings.kind === 'external') {
    const keys = { anonKey: settings.anonKey, serviceKey: settings.serviceKey };
    return {
      bus: new RealtimeJsRoomBus({ url: settings.url, apiKey: keys.serviceKey, log }),
      hub: null,
      url: settings.url,
      keys,
    };
  }
  const hub = new RealtimeHub({
    jwtSecret,
    limits: config.hubLimits,
    allowedOrigins: config.allowedOrigins,
    log,
    conversationParent,
  });
  return { bus: new InProcessRoomBus(hub), hub, url: null, keys: createApiKeys(jwtSecret) };
}

/**
 * `DATABASE_URL`, else the embedded database in the data folder (`Config.embeddedDatabase`):
 * a PostgreSQL server beside this process, or PGlite in it. The data folder is created owner-only.
 */
async function openDatabase(config: Config, log: Logger): Promise<{ sql: Sql; engine: string }> {
  const opened = config.databaseUrl
    ? { sql: PgSql.connect(config.databaseUrl), engine: 'postgres' }
    : await openEmbeddedDatabase(config, log);
  const report = await migrate(opened.sql);
  if (report.applied.length > 0) log('info', 'store.migrated', { applied: report.applied });
  return opened;
}

/**
 * `auto` keeps the engine a data folder already holds; a new folder gets PostgreSQL when its
 * binaries are there and it starts (as root, the server runs it as another user, who may not
 * reach the folder), else PGlite, with a warning that says why.
 */
async function openEmbeddedDatabase(
  config: Config,
  log: Logger,
): Promise<{ sql: Sql; engine: string }> {
  await ensurePrivateFolder(config.dataDir);
  const { cluster: clusterDir, pglite: pgliteDir } = embeddedFolders(config.dataDir);
  const choice =
    config.embeddedDatabase !== 'auto'
      ? config.embeddedDatabase
      : holdsDatabase(pgliteDir) && !holdsDatabase(clusterDir)
        ? 'pglite'
        : 'postgres';
  if (choice === 'postgres') {
    const bin = await findPostgresBinaries(config.postgresBin);
    const insist = config.embeddedDatabase === 'postgres' || holdsDatabase(clusterDir);
    if (!bin && insist) throw new Error(NO_POSTGRES_BINARIES);
    if (bin) {
      try {
        return {
          sql: await openEmbeddedPostgres(clusterDir, bin, log),
          engine: 'postgres-embedded',
        };
      } catch (error) {
        if (insist) throw error;
        log('warn', 'store.postgres_unavailable', { error, fallback: 'pglite' });
      }
    }
  }
  if (choice === 'pglite' && config.embeddedDatabase === 'auto')
    log('info', 'store.pglite_kept', { folder: pgliteDir, move: 'npm run db:move-to-postgres' });
  return { sql: await openPGlite(pgliteDir), engine: 'pglite' };
}

/** PGlite in `dataDir`; a new folder starts from the build's migrated template when there is one. */
async function openPGlite(dataDir: string): Promise<Sql> {
  // Imported only when used: PGlite's module is large, and a server on PostgreSQL never needs it.
  const { PGliteSql } = await import('./store/pglite-sql.ts');
  const isNew = !holdsDatabase(dataDir);
  if (!isNew || !existsSync(PGLITE_TEMPLATE)) return PGliteSql.open(dataDir);
  return PGliteSql.open(dataDir, { loadDataDir: new Blob([await readFile(PGLITE_TEMPLATE)]) });
}

/** The configured personas, or the shipped ones switched to a real model when a key is set. */
async function loadPersonaCatalog(
  config: Config,
  toolNames: readonly string[],
): Promise<PersonaCatalog> {
  const hasOpenAI = Boolean(config.providers.openai?.apiKey || config.providers.openai?.baseURL);
  const providerAvailability = {
    offline: true,
    openai: hasOpenAI,
    anthropic: Boolean(config.providers.anthropic?.apiKey),
    apiKeyNames: Object.keys(config.providers.apiKeys ?? {}),
  };
  if (config.personasDir)
    return loadPersonas({ directory: config.personasDir, toolNames, providerAvailability });
  const shipped = await loadPersonas({
    directory: DEFAULT_PERSONAS_DIRECTORY,
    toolNames,
    providerAvailability: { ...providerAvailability, offline: true },
  });
  return createPersonaCatalog(
    shipped.personas.map((persona) => withRealModel(persona, config.realModel)),
  );
}

/** Session summaries by the configured real model, else (and when it fails) the offline summarizer. */
function summarizerFor(config: Config, log: Logger): Summarizer {
  if (config.realModel === null) return offlineSummarizer;
  return modelSummarizer({
    model: createChatModel({ provider: config.realModel.provider }, config.providers),
    modelName: config.realModel.model,
    fallback: offlineSummarizer,
    log,
  });
}

/** The persona's model: its own endpoint and key variable, where it names them. */
function modelOf(persona: Persona, settings: ProviderSettings): ChatModel {
  const apiKeyEnv = persona.apiKeyEnv === undefined ? {} : { apiKeyEnv: persona.apiKeyEnv };
  switch (persona.provider) {
    case 'http':
      // persona-file.ts refuses an http persona without `url`.
      return createChatModel({ provider: 'http', url: persona.url ?? '', ...apiKeyEnv }, settings);
    case 'openai':
      return createChatModel(
        {
          provider: 'openai',
          ...(persona.baseUrl === undefined ? {} : { baseURL: persona.baseUrl }),
          ...apiKeyEnv,
        },
        settings,
      );
    default:
      return createChatModel({ provider: persona.provider }, settings);
  }
}
