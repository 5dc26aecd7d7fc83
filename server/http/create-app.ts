import { staticAssetRoutes, type StaticAssets } from './routes/static-assets.ts';
import express, { type Express, type RequestHandler } from 'express';
import { memoryRateLimiters, type RateLimiterFactory } from '../auth/rate-limit.ts';
import { DEFAULT_SESSION_TTL_SECONDS } from '../auth/tokens.ts';
import type { Logger } from '../lib/logger.ts';
import type { AllowedOrigins } from '../auth/allowed-origins.ts';
import type { SupabaseAuth } from '../auth/supabase-auth.ts';
import { DEFAULT_API_LIMITS, type ApiLimits } from './api-schemas.ts';
import { accessLog } from './middleware/access-log.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { jsonBody } from './middleware/json-body.ts';
import { notFound } from './middleware/not-found.ts';
import { originPolicy } from './middleware/origins.ts';
import { rateLimitByIp } from './middleware/rate-limit.ts';
import { requestId } from './middleware/request-id.ts';
import { requireJson } from './middleware/require-json.ts';
import { roomAccess } from './middleware/room-access.ts';
import { noSniff, securityHeaders } from './middleware/security-headers.ts';
import { buildOpenApiDocument } from './openapi.ts';
import type { RoomEventSource, RoomService, RoomStore } from './room-service.ts';
import { adminRoutes } from './routes/admin.ts';
import { CHAT_BODY_LIMIT_BYTES, CHAT_PATH, chatRoutes } from './routes/chat.ts';
import { eventsRoutes } from './routes/events-sse.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import type { ChorusMetrics } from '../observability/metrics.ts';
import { roomRoutes } from './routes/rooms.ts';
import { sessionRoutes } from './routes/session.ts';
import { typingRoutes } from './routes/typing.ts';
import { roomSessionsRoutes } from './routes/room-sessions.ts';
import { POSTGREST_PATH, postgrestRoutes } from './routes/postgrest.ts';
import type { SqlExecutor } from '../store/sql.ts';

export interface AppDependencies {
  log: Logger;
  /** Rooms, participants, transcript pages, the audit log (those parts of `createPostgresStores`). */
  store: RoomStore;
  /** Posting, stop, regenerate, live replies, agents (the `Orchestrator`). */
  rooms: RoomService;
  /** A room's broadcasts for the SSE endpoint (the `RoomBus`). */
  roomEvents: RoomEventSource;
  /** The secret room tokens are signed with: the one the realtime hub verifies with. */
  jwtSecret: string;
  /** `CHORUS_IDENTITY_SECRET`: host-signed identities are checked with it; null refuses them. */
  identitySecret: string | null;
  /** Verifies Supabase Auth access tokens given as `identity` (`SupabaseAuthVerifier`); default null: refused. */
  supabaseAuth?: SupabaseAuth | null;
  /** The admin key (`CHORUS_ADMIN_KEY` or generated): the admin API and admin sessions; null: none. */
  adminKey?: string | null;
  realtime: {
    /** The public realtime-js URL browsers connect to; null derives `ws(s)://<Host>/realtime/v1` from a request whose `Host` is expected (`server/lib/public-url.ts`). */
    url: string | null;
    /** The anon key (never the service key). */
    anonKey: string;
    /** How widgets send typing: `server` with an external Realtime, which cannot check it (default `channel`). */
    typing?: 'channel' | 'server';
  };
  /** The database, for the PostgREST-style read of `messages` (`/rest/v1/messages`); left out, not served. */
  sql?: SqlExecutor;
  /** Readiness: the store answers a trivial query and the server is not shutting down. */
  ready(): boolean | Promise<boolean>;
  /** Room token lifetime (`CHORUS_SESSION_TTL_SECONDS`); default 3600. */
  sessionTtlSeconds?: number;
  /** `CHORUS_ALLOWED_ORIGINS`, parsed with `parseAllowedOrigins`; default `*`. */
  allowedOrigins?: AllowedOrigins;
  /** `HOST`: a `Host` naming it may make the realtime URL when `realtime.url` is null; default none (only loopback names and allowed origins' hosts may). */
  listenHost?: string;
  /** `CHORUS_LIMIT_*`; defaults in {@link DEFAULT_API_LIMITS}. */
  limits?: Partial<ApiLimits>;
  /** Express's `trust proxy` (`CHORUS_TRUST_PROXY`): which `X-Forwarded-For` hops to believe. Default false. */
  trustProxy?: boolean | number | string;
  /** Interval of SSE heartbeat comments; default 15 000 ms. */
  sseHeartbeatMs?: number;
  /** The built widget and the demo pages; left out, neither is served. */
  assets?: StaticAssets;
  /** Where the `CHORUS_LIMIT_*` rate limits count: this process's memory by default, or a shared store (`postgresRateLimiters`). */
  rateLimiters?: RateLimiterFactory;
  /** `GET /metrics` (docs/architecture.md §10); left out, it is not served. */
  metrics?: { metrics: ChorusMetrics; metricsToken: string | null };
  /** The clock (tests). */
  now?: () => number;
}

const MINUTE_MS = 60_000;
/** The headers supabase-js adds to its PostgREST calls, allowed in a cross-origin preflight. */
const SUPABASE_JS_HEADERS = ['apikey', 'x-client-info', 'accept-profile', 'prefer'];

/**
 * The Express app: the REST API, the SSE stream, health checks, the OpenAPI document and the
 * error handling. It never listens; `start-server.ts` does.
 *
 * Order: request id, access log and `nosniff` for everything; on `/api`, security headers, the origin
 * allowlist and CORS, the per-IP limit, then JSON body parsing (415 / 400 / 413); the routes;
 * a JSON 404; the error handler.
 *
 * @example
 * const app = createApp({ log, store, rooms: orchestrator, roomEvents: bus, jwtSecret, identitySecret: null,
 *   realtime: { url: null, anonKey: keys.anonKey }, ready: async () => !closing });
 * http.createServer((request, response) => hub.handleRequest(request, response) || app(request, response));
 */
export function createApp(deps: AppDependencies): Express {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  const limiters = deps.rateLimiters ?? memoryRateLimiters(now);
  const limiter = (name: string, limit: number) => limiters(name, { limit, windowMs: MINUTE_MS });
  const bodyLimitBytes = Math.max(16 * 1024, limits.messageChars * 6 + 4096);
  const openApiDocument = buildOpenApiDocument({ messageChars: limits.messageChars });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy ?? false);

  app.use(requestId, accessLog(log), noSniff);
  app.use(['/api', '/healthz', '/readyz'], securityHeaders);
  app.use('/api', originPolicy(deps.allowedOrigins ?? '*'));
  app.use(
    POSTGREST_PATH,
    securityHeaders,
    originPolicy(deps.allowedOrigins ?? '*', SUPABASE_JS_HEADERS),
  );
  app.use(
    ['/api', POSTGREST_PATH],
    rateLimitByIp(
      limiter('requests_per_ip', limits.requestsPerMinute),
      'requests from your network',
    ),
  );
  // useChat sends the whole conversation each time: its body may be larger than a post's.
  app.use(CHAT_PATH, requireJson, jsonBody({ limitBytes: CHAT_BODY_LIMIT_BYTES }));
  app.use('/api', requireJson, jsonBody({ limitBytes: bodyLimitBytes }));

  // Shared by the messages and chat routes: a post counts once whichever way it came.
  const messagesPerParticipant = limiter('messages_per_participant', limits.messagesPerMinute);
  const messagesPerIp = limiter('messages_per_ip', limits.messagesPerIpPerMinute);
  const access = (allowQueryToken: boolean): RequestHandler =>
    roomAccess({ jwtSecret: deps.jwtSecret, store: deps.store, now, allowQueryToken });
  app.use(healthRoutes({ ready: deps.ready, log }));
  if (deps.metrics) app.use(metricsRoutes({ ...deps.metrics, adminKey: deps.adminKey ?? null }));
  app.get('/api/openapi.json', (_request, response) => {
    response.json(openApiDocument);
  });
  app.use(
    sessionRoutes({
      store: deps.store,
      rooms: deps.rooms,
      log,
      jwtSecret: deps.jwtSecret,
      identitySecret: deps.identitySecret,
      supabaseAuth: deps.supabaseAuth ?? null,
      sessionTtlSeconds: deps.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS,
      realtimeUrl: deps.realtime.url,
      hosts: { listenHost: deps.listenHost ?? '', allowedOrigins: deps.allowedOrigins ?? '*' },
      anonKey: deps.realtime.anonKey,
      realtimeTyping: deps.realtime.typing ?? 'channel',
      sessionsPerIp: limiter('sessions_per_ip', limits.sessionsPerMinute),
      adminKey: deps.adminKey ?? null,
      now,
    }),
  );
  app.use(
    adminRoutes({
      store: deps.store,
      rooms: deps.rooms,
      jwtSecret: deps.jwtSecret,
      adminKey: deps.adminKey ?? null,
      now,
    }),
  );
  app.use(
    roomRoutes({
      store: deps.store,
      rooms: deps.rooms,
      access: access(false),
      messagesPerParticipant,
      messagesPerIp,
      messageChars: limits.messageChars,
    }),
  );
  app.use(
    chatRoutes({
      rooms: deps.rooms,
      events: deps.roomEvents,
      access: access(false),
      messagesPerParticipant,
      messagesPerIp,
      messageChars: limits.messageChars,
      log,
      heartbeatMs: deps.sseHeartbeatMs ?? 15_000,
    }),
  );
  app.use(typingRoutes({ bus: deps.roomEvents, access: access(false), now }));
  app.use(roomSessionsRoutes({ summaries: deps.store.summaries, access: access(false) }));
  app.use(
    eventsRoutes({
      events: deps.roomEvents,
      store: deps.store,
      rooms: deps.rooms,
      access: access(true),
      log,
      heartbeatMs: deps.sseHeartbeatMs ?? 15_000,
      now,
    }),
  );

  if (deps.sql) app.use(postgrestRoutes({ sql: deps.sql, jwtSecret: deps.jwtSecret, now }));
  if (deps.assets) app.use(staticAssetRoutes(deps.assets));

  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}
