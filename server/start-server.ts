import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApiKeys, resolveJwtSecret, type ApiKeys } from './auth/keys.ts';
import type { Config } from './config.ts';
import { createApp } from './http/create-app.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { Orchestrator } from './orchestrator/orchestrator.ts';
import { DEFAULT_PERSONAS_DIRECTORY, createPersonaCatalog, loadPersonas, withRealModel, type Persona, type PersonaCatalog } from './orchestrator/personas.ts';
import { DEFAULT_ROOM_SETTINGS } from './orchestrator/room-settings.ts';
import { createChatModel, type ChatModel, type ProviderSettings } from './providers/index.ts';
import { RealtimeHub } from './realtime/hub/hub.ts';
import { InProcessRoomBus } from './realtime/in-process-room-bus.ts';
import { migrate } from './store/migrate.ts';
import { PgSql } from './store/pg-sql.ts';
import { PGliteSql } from './store/pglite-sql.ts';
import { PostgresStore } from './store/postgres-store.ts';
import type { Sql } from './store/sql.ts';
import { loadTools } from './tools/registry.ts';
import { DEMO_DIR, WIDGET_DIST_DIR, ensureWidgetBuilt } from './widget-build.ts';

export interface RunningServer {
  /** `http://host:port` as clients reach it. */
  url: string;
  /** The realtime-js endpoint (`<url>/realtime/v1`). */
  realtimeUrl: string;
  keys: ApiKeys;
  jwtSecret: string;
  hub: RealtimeHub;
  store: PostgresStore;
  orchestrator: Orchestrator;
  personas: PersonaCatalog;
  close(): Promise<void>;
}

/** Rooms the demo pages use (`demo/`). */
const DEMO_ROOMS = [
  ['northwind', 'Northwind Bikes'],
  ['shared', 'Shared room'],
  ['themes', 'Theming'],
] as const;

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
 * Builds every adapter from `config` and starts listening: the composition root's work,
 * importable by tests (port 0) as well as run by `main.ts`.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const jwtSecret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
  const sql = options.sql ?? (await openDatabase(config, log));
  const store = new PostgresStore(sql);
  const tools = await loadTools();
  const personas = await loadPersonaCatalog(config, tools.names);
  const models = new Map(personas.personas.map((persona) => [persona.handle, modelOf(persona, config.providers)]));
  const hub = new RealtimeHub({ jwtSecret, limits: config.hubLimits, log });
  const bus = new InProcessRoomBus(hub);
  const orchestrator = new Orchestrator(
    { store, bus, personas, tools, log, modelFor: options.modelFor ?? ((persona) => models.get(persona.handle)!) },
    {
      coalesceWindowMs: config.orchestrator.coalesceWindowMs,
      summaryQuietMs: config.orchestrator.summaryQuietMs,
      roomDefaults: { ...DEFAULT_ROOM_SETTINGS, maxAgentTurns: config.orchestrator.maxAgentTurns, tokensPerDay: config.orchestrator.tokensPerDay },
    },
  );
  await orchestrator.start();

  if (options.serveWidget) {
    await ensureWidgetBuilt(log);
    // The demo pages' rooms: every agent answers, so a first visit shows the room at its liveliest.
    for (const [id, title] of DEMO_ROOMS) await store.ensureRoom({ id, title, settings: { policy: 'all' } });
  }
  let closing = false;
  const keys = createApiKeys(jwtSecret);
  const app = createApp({
    log,
    store,
    rooms: orchestrator,
    roomEvents: bus,
    jwtSecret,
    identitySecret: config.identitySecret,
    realtime: { url: config.publicRealtimeUrl, anonKey: keys.anonKey },
    ready: async () => !closing && (await sql.query('select 1')).rowCount === 1,
    sessionTtlSeconds: config.sessionTtlSeconds,
    allowedOrigins: config.allowedOrigins,
    limits: config.apiLimits,
    trustProxy: config.trustProxy,
    ...(options.serveWidget ? { assets: { widgetDir: WIDGET_DIST_DIR, demoDir: DEMO_DIR } } : {}),
  });
  const server = http.createServer((request, response) => {
    if (!hub.handleRequest(request, response)) app(request, response);
  });
  hub.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log('info', 'server.started', { url, database: config.databaseUrl ? 'postgres' : 'pglite', personas: personas.personas.map((persona) => persona.handle) });
  return {
    url,
    realtimeUrl: `${url}/realtime/v1`,
    keys,
    jwtSecret,
    hub,
    store,
    orchestrator,
    personas,
    async close() {
      closing = true;
      await orchestrator.close();
      await bus.close();
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

async function openDatabase(config: Config, log: Logger): Promise<Sql> {
  const sql = config.databaseUrl ? PgSql.connect(config.databaseUrl) : await PGliteSql.open(path.join(config.dataDir, 'pgdata'));
  const report = await migrate(sql);
  if (report.applied.length > 0) log('info', 'store.migrated', { applied: report.applied });
  return sql;
}

/** The configured personas, or the shipped ones switched to a real model when a key is set. */
async function loadPersonaCatalog(config: Config, toolNames: readonly string[]): Promise<PersonaCatalog> {
  const hasOpenAI = Boolean(config.providers.openai?.apiKey || config.providers.openai?.baseURL);
  const providerAvailability = { offline: true, openai: hasOpenAI, anthropic: Boolean(config.providers.anthropic?.apiKey) };
  if (config.personasDir) return loadPersonas({ directory: config.personasDir, toolNames, providerAvailability });
  const shipped = await loadPersonas({ directory: DEFAULT_PERSONAS_DIRECTORY, toolNames, providerAvailability: { ...providerAvailability, offline: true } });
  return createPersonaCatalog(shipped.personas.map((persona) => withRealModel(persona, config.providerEnv)));
}

function modelOf(persona: Persona, settings: ProviderSettings): ChatModel {
  return createChatModel({ provider: persona.provider }, settings);
}
