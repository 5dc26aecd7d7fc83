/**
 * The server's configuration: the only reader of the environment (server/main.ts passes
 * `process.env`). One zod schema parses every variable; a bad value adds its problem and the
 * parse goes on, so one {@link ConfigError} lists every problem at start.
 *
 * Why one file: the schema is the list of every setting, and its cross-field rules (the realtime
 * keys, the public URL, the real model) need the whole parsed environment.
 */
import path from 'node:path';
import { z } from 'zod';
import {
  AllowedOriginsError,
  parseAllowedOrigins,
  type AllowedOrigins,
} from './auth/allowed-origins.ts';
import { DEFAULT_API_LIMITS, type ApiLimits } from './http/api-schemas.ts';
import { parseTrustProxy } from './http/trust-proxy.ts';
import { apiKeyProblem } from './auth/keys.ts';
import type { SupabaseAuthSettings } from './auth/supabase-auth.ts';
import type { LogLevel } from './lib/logger.ts';
import type { ProviderSettings } from './providers/index.ts';
import { DEFAULT_LIMITS, type HubLimits } from './realtime/hub/limits.ts';
import { coalescingFor } from './orchestrator/coalescer.ts';
import { DEFAULT_ORCHESTRATOR_OPTIONS } from './orchestrator/orchestrator.ts';

export const EMBEDDED_DATABASES = ['auto', 'postgres', 'pglite'] as const;
export type EmbeddedDatabase = (typeof EMBEDDED_DATABASES)[number];

/** Everything the server reads from its environment, validated. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Null when unset: a secret is generated once and kept in the data dir. */
  jwtSecret: string | null;
  /** `CHORUS_ADMIN_KEY`; null when unset: one is generated once and kept in the data dir. */
  adminKey: string | null;
  logLevel: LogLevel;
  hubLimits: HubLimits;
  /** Any Postgres (Supabase's included); null means the embedded database in `dataDir`. */
  databaseUrl: string | null;
  /**
   * `CHORUS_EMBEDDED_DATABASE`, the database without `DATABASE_URL`: `postgres` a PostgreSQL
   * server started beside this one (`<dataDir>/postgres`), `pglite` PGlite in this process
   * (`<dataDir>/pgdata`), `auto` (default) the one a data folder already holds, else `postgres`
   * when its binaries are found and it starts, else `pglite` (docs/decisions.md, "Memory,
   * start-up and the production build").
   */
  embeddedDatabase: EmbeddedDatabase;
  /** `CHORUS_POSTGRES_BIN`: the folder of `initdb` and `postgres` for the embedded server; null: found by itself. */
  postgresBin: string | null;
  /** A folder of persona Markdown files; null means the defaults that ship with the server. */
  personasDir: string | null;
  /** `CHORUS_KNOWLEDGE_DIR`: a folder of Markdown, HTML and text the agents search (docs/architecture.md §12); null: none (the demo start uses demo/knowledge). */
  knowledgeDir: string | null;
  providers: ProviderSettings;
  /** The real model the shipped (offline) personas switch to when this server has a key; null: they stay offline. */
  realModel: RealModel | null;
  orchestrator: {
    coalesceWindowMs: number;
    maxAgentTurns: number;
    tokensPerDay: number;
    /** Replies one room may stream at once, across every process. */
    maxRepliesPerRoom: number;
    /** A room quiet this long gets its session summarized (0: never). */
    summaryQuietMs: number;
    /** A support conversation whose visitor has left, quiet this long, gets its session summarized. */
    conversationSummaryQuietMs: number;
    /** `CHORUS_COALESCE_MAX_CHARS`: waiting text that is sent before the window ends. */
    coalesceMaxChars: number;
    /** `CHORUS_MAX_CONCURRENT_REPLIES`: replies this process streams at once (the rest wait queued). */
    maxConcurrentReplies: number;
  };
  /** `CHORUS_ALLOWED_ORIGINS`: sites allowed to call the API from a browser. */
  allowedOrigins: AllowedOrigins;
  /** Host sites sign their users' ids with it; null refuses host-signed identities. */
  identitySecret: string | null;
  /** Supabase Auth access tokens accepted as identity (`CHORUS_SUPABASE_*`); null refuses them. */
  supabaseAuth: SupabaseAuthSettings | null;
  sessionTtlSeconds: number;
  apiLimits: ApiLimits;
  trustProxy: boolean | number | string;
  /** `CHORUS_PUBLIC_URL`: this server's origin as browsers reach it (`https://chat.example.com`); null: from expected `Host`s only. */
  publicUrl: string | null;
  /** The realtime URL browsers use; null: the external realtime's URL, else `<publicUrl>/realtime/v1`, else from an expected `Host`. */
  publicRealtimeUrl: string | null;
  /** Which Supabase Realtime carries the rooms: the hub embedded in this server, or an external one. */
  realtime: RealtimeSettings;
  /** Signed event POSTs to the site's other systems (docs/architecture.md §9); null: off. */
  webhooks: WebhookSettings | null;
  /** `/metrics`, traces and shared limits (docs/architecture.md §10). */
  operations: OperationsSettings;
}

/** Operations settings (docs/architecture.md §10). */
export interface OperationsSettings {
  /** `CHORUS_METRICS_TOKEN`: a bearer besides the admin key that may read `/metrics` from off the machine. */
  metricsToken: string | null;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT` (spans go to `<it>/v1/traces`); null: no tracing. */
  otlpEndpoint: string | null;
  /** `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,key=value`), sent with every export. */
  otlpHeaders: Record<string, string>;
  /** `OTEL_SERVICE_NAME`; default `chorus`. */
  serviceName: string;
  /** `CHORUS_RATE_LIMIT_STORE`: where the `CHORUS_LIMIT_*` rate limits count; default `postgres` with `DATABASE_URL`, else `memory`. */
  rateLimitStore: 'memory' | 'postgres';
}

/** `CHORUS_WEBHOOK_URL` and `CHORUS_WEBHOOK_SECRET` (both or neither) and the delivery limits. */
export interface WebhookSettings {
  url: string;
  /** Keys the `Chorus-Signature` HMAC; never sent nor logged. */
  secret: string;
  /** `CHORUS_WEBHOOK_TIMEOUT_MS`: how long one POST may take. */
  timeoutMs: number;
  /** `CHORUS_WEBHOOK_MAX_ATTEMPTS`: attempts before an event is marked failed. */
  maxAttempts: number;
}

/**
 * What the shipped personas talk through when keys are set (empty values count as unset):
 * `OPENAI_API_KEY` or `OPENAI_BASE_URL` (an OpenAI-compatible server such as Ollama needs no key)
 * gives `openai` with `CHORUS_OPENAI_MODEL`, default {@link DEFAULT_OPENAI_MODEL}; else
 * `ANTHROPIC_API_KEY` gives `anthropic` with `CHORUS_ANTHROPIC_MODEL`, default
 * {@link DEFAULT_ANTHROPIC_MODEL}.
 */
export interface RealModel {
  provider: 'openai' | 'anthropic';
  model: string;
}

/** The model used when an offline persona is switched to OpenAI and `CHORUS_OPENAI_MODEL` is unset. */
export const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';
/** The model used when an offline persona is switched to Anthropic and `CHORUS_ANTHROPIC_MODEL` is unset. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-haiku-4-5';

/**
 * `embedded`: the built-in hub on the server's own port (`npm start`). `external`: a hosted or
 * self-hosted Supabase Realtime (`CHORUS_REALTIME_URL`), which every orchestrator process shares.
 */
export type RealtimeSettings =
  | { kind: 'embedded' }
  | {
      kind: 'external';
      /** The realtime-js endpoint, `ws(s)://…/realtime/v1` (an `http(s)://` setting is turned into `ws(s)://`). */
      url: string;
      /** The service-role key the orchestrator sends with; never leaves the server. */
      serviceKey: string;
      /** The key browsers connect with (Supabase's anon or publishable key). */
      anonKey: string;
    };

/** Thrown at start with every invalid setting listed, so one run shows them all. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const MIN_SECRET_LENGTH = 32;

/** A variable as set; empty counts as unset (null). */
const setting = z
  .string()
  .optional()
  .transform((raw) => raw || null);

/** A variable trimmed; blank counts as unset. */
const trimmed = z
  .string()
  .optional()
  .transform((raw) => raw?.trim() || undefined);

/** Like {@link integer}, but null when unset (its default depends on other settings). */
function optionalInteger(name: string, min: number, max: number) {
  return integer(name, Number.NaN, min, max).transform((value) =>
    Number.isNaN(value) ? null : value,
  );
}

/** The coalescing window and size: as set, else the default of the realtime in use. */
function coalescing(environment: Environment) {
  const { windowMs, maxChars } = coalescingFor(
    environment.CHORUS_REALTIME_URL === null ? 'embedded' : 'external',
    { windowMs: environment.CHORUS_COALESCE_MS, maxChars: environment.CHORUS_COALESCE_MAX_CHARS },
  );
  return { coalesceWindowMs: windowMs, coalesceMaxChars: maxChars };
}

/** An integer variable from `min` to `max`; unset gives `fallback`. */
function integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .optional()
    .transform((raw, context) => {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (Number.isInteger(value) && value >= min && value <= max) return value;
      context.addIssue({
        code: 'custom',
        message: `${name} must be an integer from ${min} to ${max}, got "${raw}"`,
      });
      return fallback;
    });
}

/** A positive number variable (provider settings); unset gives undefined. */
function positive(name: string) {
  return trimmed.transform((value, context) => {
    if (value === undefined) return undefined;
    const number = Number(value);
    if (Number.isFinite(number) && number > 0) return number;
    context.addIssue({
      code: 'custom',
      message: `${name} must be a positive number, got "${value}"`,
    });
    return undefined;
  });
}

/** An http(s) URL variable of a provider; unset gives undefined. */
function providerUrl(name: string) {
  return trimmed.superRefine((value, context) => {
    if (
      value !== undefined &&
      !/^https?:$/.test(URL.canParse(value) ? new URL(value).protocol : '')
    ) {
      context.addIssue({
        code: 'custom',
        message: `${name} must be an http(s) URL such as http://localhost:11434/v1, got "${value}"`,
      });
    }
  });
}

/** One of `values`; null when unset. */
function oneOf(name: string, values: readonly string[]) {
  return setting.superRefine((value, context) => {
    if (value !== null && !values.includes(value))
      context.addIssue({
        code: 'custom',
        message: `${name} must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}, got "${value}"`,
      });
  });
}

/** A secret that signs tokens; null when unset. */
function secret(message: string) {
  return setting.superRefine((value, context) => {
    if (value !== null && value.length < MIN_SECRET_LENGTH)
      context.addIssue({ code: 'custom', message });
  });
}

/** Every variable the server reads, each parsed to its value. */
const environmentSchema = z
  .object({
    PORT: integer('PORT', 8787, 0, 65_535),
    HOST: setting,
    CHORUS_DATA_DIR: setting,
    CHORUS_LOG_LEVEL: setting.transform((raw, context) => {
      const level = (raw ?? 'info') as LogLevel;
      if (!LOG_LEVELS.includes(level))
        context.addIssue({
          code: 'custom',
          message: `CHORUS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`,
        });
      return level;
    }),
    CHORUS_JWT_SECRET: secret(
      `CHORUS_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters (it signs every token)`,
    ),
    CHORUS_ADMIN_KEY: secret(
      `CHORUS_ADMIN_KEY must be at least ${MIN_SECRET_LENGTH} characters (it opens the admin API and the inbox)`,
    ),
    // Hub limits (docs/architecture.md §6).
    CHORUS_LIMIT_PAYLOAD_KB: integer('CHORUS_LIMIT_PAYLOAD_KB', DEFAULT_LIMITS.maxPayloadKb, 1),
    CHORUS_LIMIT_FRAME_BYTES: integer('CHORUS_LIMIT_FRAME_BYTES', DEFAULT_LIMITS.maxFrameBytes, 1),
    CHORUS_LIMIT_EVENTS_PER_SECOND: integer(
      'CHORUS_LIMIT_EVENTS_PER_SECOND',
      DEFAULT_LIMITS.maxEventsPerSecond,
      1,
    ),
    CHORUS_LIMIT_CHANNELS_PER_SOCKET: integer(
      'CHORUS_LIMIT_CHANNELS_PER_SOCKET',
      DEFAULT_LIMITS.maxChannelsPerSocket,
      1,
    ),
    CHORUS_LIMIT_JOINS_PER_SECOND: integer(
      'CHORUS_LIMIT_JOINS_PER_SECOND',
      DEFAULT_LIMITS.maxJoinsPerSecond,
      1,
    ),
    CHORUS_LIMIT_PRESENCE_CALLS: integer(
      'CHORUS_LIMIT_PRESENCE_CALLS',
      DEFAULT_LIMITS.maxPresenceCalls,
      1,
    ),
    CHORUS_LIMIT_PRESENCE_WINDOW_MS: integer(
      'CHORUS_LIMIT_PRESENCE_WINDOW_MS',
      DEFAULT_LIMITS.presenceWindowMs,
      1,
    ),
    CHORUS_LIMIT_IDLE_TIMEOUT_MS: integer(
      'CHORUS_LIMIT_IDLE_TIMEOUT_MS',
      DEFAULT_LIMITS.idleTimeoutMs,
      1,
    ),
    DATABASE_URL: setting.superRefine((value, context) => {
      if (value !== null && !/^postgres(ql)?:\/\//.test(value))
        context.addIssue({
          code: 'custom',
          message: 'DATABASE_URL must be a postgres:// or postgresql:// connection string',
        });
    }),
    CHORUS_EMBEDDED_DATABASE: oneOf('CHORUS_EMBEDDED_DATABASE', EMBEDDED_DATABASES),
    CHORUS_POSTGRES_BIN: setting,
    CHORUS_PERSONAS_DIR: setting,
    CHORUS_KNOWLEDGE_DIR: setting,
    OPENAI_API_KEY: trimmed,
    OPENAI_BASE_URL: providerUrl('OPENAI_BASE_URL'),
    ANTHROPIC_API_KEY: trimmed,
    ANTHROPIC_BASE_URL: providerUrl('ANTHROPIC_BASE_URL'),
    CHORUS_OFFLINE_TOKENS_PER_SECOND: positive('CHORUS_OFFLINE_TOKENS_PER_SECOND'),
    CHORUS_PROVIDER_TIMEOUT_MS: positive('CHORUS_PROVIDER_TIMEOUT_MS'),
    CHORUS_OPENAI_MODEL: trimmed,
    CHORUS_ANTHROPIC_MODEL: trimmed,
    // Unset: the window of the realtime in use (coalescingFor, docs/architecture.md §10).
    CHORUS_COALESCE_MS: optionalInteger('CHORUS_COALESCE_MS', 0, 1000),
    CHORUS_MAX_AGENT_TURNS: integer('CHORUS_MAX_AGENT_TURNS', 3, 0, 20),
    CHORUS_TOKENS_PER_ROOM_PER_DAY: integer('CHORUS_TOKENS_PER_ROOM_PER_DAY', 200_000, 0),
    CHORUS_MAX_REPLIES_PER_ROOM: integer('CHORUS_MAX_REPLIES_PER_ROOM', 4, 1, 64),
    CHORUS_SUMMARY_QUIET_MS: integer('CHORUS_SUMMARY_QUIET_MS', 600_000, 0, 86_400_000),
    CHORUS_CONVERSATION_SUMMARY_QUIET_MS: integer(
      'CHORUS_CONVERSATION_SUMMARY_QUIET_MS',
      120_000,
      0,
      86_400_000,
    ),
    CHORUS_COALESCE_MAX_CHARS: optionalInteger('CHORUS_COALESCE_MAX_CHARS', 1, 65_536),
    CHORUS_MAX_CONCURRENT_REPLIES: integer(
      'CHORUS_MAX_CONCURRENT_REPLIES',
      DEFAULT_ORCHESTRATOR_OPTIONS.maxConcurrentReplies,
      1,
      10_000,
    ),
    CHORUS_ALLOWED_ORIGINS: z
      .string()
      .optional()
      .transform((raw, context): AllowedOrigins => {
        try {
          return parseAllowedOrigins(raw);
        } catch (error) {
          if (!(error instanceof AllowedOriginsError)) throw error;
          context.addIssue({ code: 'custom', message: `CHORUS_ALLOWED_ORIGINS: ${error.message}` });
          return '*';
        }
      }),
    CHORUS_TRUST_PROXY: z.string().optional().transform(parseTrustProxy),
    CHORUS_IDENTITY_SECRET: secret(
      `CHORUS_IDENTITY_SECRET must be at least ${MIN_SECRET_LENGTH} characters`,
    ),
    // Supabase Auth users as identity (server/auth/supabase-auth.ts); checked together below.
    CHORUS_SUPABASE_URL: trimmed,
    CHORUS_SUPABASE_JWT_SECRET: setting,
    CHORUS_SUPABASE_AUTH_ISSUER: trimmed,
    CHORUS_SUPABASE_AUTH_AUDIENCE: trimmed,
    CHORUS_SUPABASE_AUTH_JWKS_URL: trimmed,
    CHORUS_PUBLIC_URL: setting.transform((raw, context) => readPublicUrl(raw, context)),
    CHORUS_PUBLIC_REALTIME_URL: setting.superRefine((value, context) => {
      if (value !== null && !/^wss?:\/\//.test(value)) {
        context.addIssue({
          code: 'custom',
          message:
            'CHORUS_PUBLIC_REALTIME_URL must be a ws:// or wss:// URL, e.g. wss://chat.example.com/realtime/v1',
        });
      }
    }),
    CHORUS_REALTIME_URL: setting,
    CHORUS_METRICS_TOKEN: secret(
      `CHORUS_METRICS_TOKEN must be at least ${MIN_SECRET_LENGTH} characters`,
    ),
    OTEL_EXPORTER_OTLP_ENDPOINT: setting.superRefine((value, context) => {
      if (value !== null && !/^https?:\/\//.test(value))
        context.addIssue({
          code: 'custom',
          message: `OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL such as http://localhost:4318, got "${value}"`,
        });
    }),
    OTEL_EXPORTER_OTLP_HEADERS: setting,
    OTEL_SERVICE_NAME: trimmed,
    CHORUS_RATE_LIMIT_STORE: oneOf('CHORUS_RATE_LIMIT_STORE', ['memory', 'postgres']),
    CHORUS_REALTIME_SERVICE_KEY: setting,
    CHORUS_REALTIME_ANON_KEY: setting,
    CHORUS_WEBHOOK_URL: setting,
    CHORUS_WEBHOOK_SECRET: setting,
    CHORUS_WEBHOOK_TIMEOUT_MS: integer('CHORUS_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    CHORUS_WEBHOOK_MAX_ATTEMPTS: integer('CHORUS_WEBHOOK_MAX_ATTEMPTS', 16, 1, 50),
    CHORUS_SESSION_TTL_SECONDS: integer('CHORUS_SESSION_TTL_SECONDS', 3600, 60, 86_400),
    CHORUS_LIMIT_MESSAGE_CHARS: integer(
      'CHORUS_LIMIT_MESSAGE_CHARS',
      DEFAULT_API_LIMITS.messageChars,
      1,
      100_000,
    ),
    CHORUS_LIMIT_MESSAGES_PER_MINUTE: integer(
      'CHORUS_LIMIT_MESSAGES_PER_MINUTE',
      DEFAULT_API_LIMITS.messagesPerMinute,
      1,
    ),
    CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE: integer(
      'CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE',
      DEFAULT_API_LIMITS.messagesPerIpPerMinute,
      1,
    ),
    CHORUS_LIMIT_SESSIONS_PER_MINUTE: integer(
      'CHORUS_LIMIT_SESSIONS_PER_MINUTE',
      DEFAULT_API_LIMITS.sessionsPerMinute,
      1,
    ),
    CHORUS_LIMIT_REQUESTS_PER_MINUTE: integer(
      'CHORUS_LIMIT_REQUESTS_PER_MINUTE',
      DEFAULT_API_LIMITS.requestsPerMinute,
      1,
    ),
  })
  // Across variables: runs even when a variable above has a problem, so every problem is listed.
  .superRefine(
    (environment, context) => {
      const problem = (message: string) => context.addIssue({ code: 'custom', message });
      readRealtimeSettings(environment, problem);
      readSupabaseAuth(environment, problem);
      readWebhookSettings(environment, problem);
    },
    { when: () => true },
  );

type Environment = z.output<typeof environmentSchema>;

/**
 * Reads the configuration from `env`; throws a {@link ConfigError} listing every problem.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  const environment = parsed.data;
  const hubLimits: HubLimits = {
    ...DEFAULT_LIMITS,
    maxPayloadKb: environment.CHORUS_LIMIT_PAYLOAD_KB,
    maxFrameBytes: environment.CHORUS_LIMIT_FRAME_BYTES,
    maxEventsPerSecond: environment.CHORUS_LIMIT_EVENTS_PER_SECOND,
    maxChannelsPerSocket: environment.CHORUS_LIMIT_CHANNELS_PER_SOCKET,
    maxJoinsPerSecond: environment.CHORUS_LIMIT_JOINS_PER_SECOND,
    maxPresenceCalls: environment.CHORUS_LIMIT_PRESENCE_CALLS,
    presenceWindowMs: environment.CHORUS_LIMIT_PRESENCE_WINDOW_MS,
    idleTimeoutMs: environment.CHORUS_LIMIT_IDLE_TIMEOUT_MS,
  };
  return {
    port: environment.PORT,
    host: environment.HOST ?? '127.0.0.1',
    dataDir: path.resolve(cwd, environment.CHORUS_DATA_DIR ?? '.chorus'),
    jwtSecret: environment.CHORUS_JWT_SECRET,
    adminKey: environment.CHORUS_ADMIN_KEY,
    logLevel: environment.CHORUS_LOG_LEVEL,
    hubLimits,
    databaseUrl: environment.DATABASE_URL,
    embeddedDatabase: (environment.CHORUS_EMBEDDED_DATABASE as EmbeddedDatabase | null) ?? 'auto',
    postgresBin: environment.CHORUS_POSTGRES_BIN
      ? path.resolve(cwd, environment.CHORUS_POSTGRES_BIN)
      : null,
    personasDir: environment.CHORUS_PERSONAS_DIR
      ? path.resolve(cwd, environment.CHORUS_PERSONAS_DIR)
      : null,
    knowledgeDir: environment.CHORUS_KNOWLEDGE_DIR
      ? path.resolve(cwd, environment.CHORUS_KNOWLEDGE_DIR)
      : null,
    providers: {
      openai: { apiKey: environment.OPENAI_API_KEY, baseURL: environment.OPENAI_BASE_URL },
      anthropic: { apiKey: environment.ANTHROPIC_API_KEY, baseURL: environment.ANTHROPIC_BASE_URL },
      offline: { tokensPerSecond: environment.CHORUS_OFFLINE_TOKENS_PER_SECOND },
      apiKeys: readApiKeys(env),
      timeoutMs: environment.CHORUS_PROVIDER_TIMEOUT_MS,
    },
    realModel: readRealModel(environment),
    orchestrator: {
      ...coalescing(environment),
      maxAgentTurns: environment.CHORUS_MAX_AGENT_TURNS,
      tokensPerDay: environment.CHORUS_TOKENS_PER_ROOM_PER_DAY,
      maxRepliesPerRoom: environment.CHORUS_MAX_REPLIES_PER_ROOM,
      summaryQuietMs: environment.CHORUS_SUMMARY_QUIET_MS,
      conversationSummaryQuietMs: environment.CHORUS_CONVERSATION_SUMMARY_QUIET_MS,
      maxConcurrentReplies: environment.CHORUS_MAX_CONCURRENT_REPLIES,
    },
    allowedOrigins: environment.CHORUS_ALLOWED_ORIGINS,
    identitySecret: environment.CHORUS_IDENTITY_SECRET,
    supabaseAuth: readSupabaseAuth(environment, () => {}),
    sessionTtlSeconds: environment.CHORUS_SESSION_TTL_SECONDS,
    apiLimits: {
      messageChars: environment.CHORUS_LIMIT_MESSAGE_CHARS,
      messagesPerMinute: environment.CHORUS_LIMIT_MESSAGES_PER_MINUTE,
      messagesPerIpPerMinute: environment.CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE,
      sessionsPerMinute: environment.CHORUS_LIMIT_SESSIONS_PER_MINUTE,
      requestsPerMinute: environment.CHORUS_LIMIT_REQUESTS_PER_MINUTE,
    },
    trustProxy: environment.CHORUS_TRUST_PROXY,
    publicUrl: environment.CHORUS_PUBLIC_URL,
    publicRealtimeUrl: environment.CHORUS_PUBLIC_REALTIME_URL,
    realtime: readRealtimeSettings(environment, () => {}),
    webhooks: readWebhookSettings(environment, () => {}),
    operations: {
      metricsToken: environment.CHORUS_METRICS_TOKEN,
      otlpEndpoint: environment.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '') ?? null,
      otlpHeaders: readOtlpHeaders(environment.OTEL_EXPORTER_OTLP_HEADERS),
      serviceName: environment.OTEL_SERVICE_NAME ?? 'chorus',
      rateLimitStore:
        (environment.CHORUS_RATE_LIMIT_STORE as 'memory' | 'postgres' | null) ??
        (environment.DATABASE_URL ? 'postgres' : 'memory'),
    },
  };
}

/** `OTEL_EXPORTER_OTLP_HEADERS` as the OpenTelemetry spec writes it: `key=value` pairs, comma-separated, URL-encoded. */
function readOtlpHeaders(raw: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text.trim());
      } catch {
        return text.trim(); // not URL-encoded after all: taken as written
      }
    };
    headers[decode(pair.slice(0, at))] = decode(pair.slice(at + 1));
  }
  return headers;
}

/**
 * Every set `*_API_KEY` variable (trimmed, non-empty) by name: the keys a persona's `apiKeyEnv`
 * may name (server/personas/README.md). Values never appear in a problem or a log line.
 * @example readApiKeys({ GROQ_API_KEY: 'gsk_…', PORT: '8787' }); // { GROQ_API_KEY: 'gsk_…' }
 */
export function readApiKeys(env: NodeJS.ProcessEnv): Readonly<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const key = value?.trim();
    if (API_KEY_VARIABLE.test(name) && key) keys[name] = key;
  }
  return keys;
}

/** The variables {@link readApiKeys} reads. */
const API_KEY_VARIABLE = /^[A-Z][A-Z0-9_]*_API_KEY$/;

/** The webhook settings, or null when neither variable is set; `problem` is told what is wrong. */
function readWebhookSettings(
  environment: Pick<
    Environment,
    | 'CHORUS_WEBHOOK_URL'
    | 'CHORUS_WEBHOOK_SECRET'
    | 'CHORUS_WEBHOOK_TIMEOUT_MS'
    | 'CHORUS_WEBHOOK_MAX_ATTEMPTS'
  >,
  problem: (message: string) => void,
): WebhookSettings | null {
  const { CHORUS_WEBHOOK_URL: url, CHORUS_WEBHOOK_SECRET: secret } = environment;
  if (url === null && secret === null) return null;
  const problems: string[] = [];
  if (url === null)
    problems.push('CHORUS_WEBHOOK_SECRET needs CHORUS_WEBHOOK_URL (set both or neither)');
  else if (!/^https?:$/.test(URL.canParse(url) ? new URL(url).protocol : ''))
    problems.push(
      'CHORUS_WEBHOOK_URL must be an http(s) URL such as https://example.com/chorus-events',
    );
  // Neither value is repeated in a problem (start-up problems are printed; a URL may hold a token).
  if (secret === null)
    problems.push('CHORUS_WEBHOOK_URL needs CHORUS_WEBHOOK_SECRET (set both or neither)');
  else if (secret.length < MIN_SECRET_LENGTH)
    problems.push(
      `CHORUS_WEBHOOK_SECRET must be at least ${MIN_SECRET_LENGTH} characters (it signs every webhook)`,
    );
  problems.forEach((message) => problem(message));
  if (problems.length > 0 || url === null || secret === null) return null;
  return {
    url,
    secret,
    timeoutMs: environment.CHORUS_WEBHOOK_TIMEOUT_MS,
    maxAttempts: environment.CHORUS_WEBHOOK_MAX_ATTEMPTS,
  };
}

/** The real model of {@link RealModel}'s precedence, or null. */
function readRealModel(
  environment: Pick<
    Environment,
    | 'OPENAI_API_KEY'
    | 'OPENAI_BASE_URL'
    | 'ANTHROPIC_API_KEY'
    | 'CHORUS_OPENAI_MODEL'
    | 'CHORUS_ANTHROPIC_MODEL'
  >,
): RealModel | null {
  if (environment.OPENAI_API_KEY !== undefined || environment.OPENAI_BASE_URL !== undefined) {
    return { provider: 'openai', model: environment.CHORUS_OPENAI_MODEL ?? DEFAULT_OPENAI_MODEL };
  }
  if (environment.ANTHROPIC_API_KEY !== undefined)
    return {
      provider: 'anthropic',
      model: environment.CHORUS_ANTHROPIC_MODEL ?? DEFAULT_ANTHROPIC_MODEL,
    };
  return null;
}

/** `CHORUS_PUBLIC_URL` as an origin (no trailing slash), or null; a problem when it is not an http(s) origin. */
function readPublicUrl(raw: string | null, context: z.RefinementCtx): string | null {
  if (!raw) return null;
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (
    url === null ||
    !/^https?:$/.test(url.protocol) ||
    url.username ||
    url.password ||
    url.pathname !== '/' ||
    url.search ||
    url.hash
  ) {
    context.addIssue({
      code: 'custom',
      message: `CHORUS_PUBLIC_URL must be the http(s) origin browsers reach this server at, with no path, e.g. https://chat.example.com (got "${raw.slice(0, 100)}")`,
    });
    return null;
  }
  return url.origin;
}

/** `CHORUS_REALTIME_URL` and its keys; `problem` is told what is missing or wrong. */
function readRealtimeSettings(
  environment: Pick<
    Environment,
    | 'CHORUS_REALTIME_URL'
    | 'CHORUS_REALTIME_SERVICE_KEY'
    | 'CHORUS_REALTIME_ANON_KEY'
    | 'CHORUS_JWT_SECRET'
  >,
  problem: (message: string) => void,
): RealtimeSettings {
  const {
    CHORUS_REALTIME_URL: rawUrl,
    CHORUS_REALTIME_SERVICE_KEY: serviceKey,
    CHORUS_REALTIME_ANON_KEY: anonKey,
    CHORUS_JWT_SECRET: jwtSecret,
  } = environment;
  if (rawUrl === null) {
    if (serviceKey !== null || anonKey !== null) {
      problem(
        'CHORUS_REALTIME_SERVICE_KEY and CHORUS_REALTIME_ANON_KEY need CHORUS_REALTIME_URL (without it the embedded hub is used, with its own keys)',
      );
    }
    return { kind: 'embedded' };
  }
  let url = rawUrl.replace(/\/+$/, '');
  if (!/^(wss?|https?):\/\/[^/\s]+/.test(url)) {
    problem(
      'CHORUS_REALTIME_URL must be a ws(s):// or http(s):// URL of a Supabase Realtime, e.g. wss://<project>.supabase.co/realtime/v1',
    );
  } else {
    url = url.replace(/^http/, 'ws');
  }
  if (jwtSecret === null) {
    problem(
      "CHORUS_JWT_SECRET is required with CHORUS_REALTIME_URL: set it to the Supabase project's JWT secret, so Supabase Realtime accepts the room tokens Chorus signs",
    );
  }
  if (serviceKey === null)
    problem(
      "CHORUS_REALTIME_SERVICE_KEY is required with CHORUS_REALTIME_URL (the project's service-role key; the server sends with it)",
    );
  if (anonKey === null)
    problem(
      "CHORUS_REALTIME_ANON_KEY is required with CHORUS_REALTIME_URL (the project's anon key; browsers connect with it)",
    );
  for (const keyProblem of [
    serviceKey &&
      apiKeyProblem('CHORUS_REALTIME_SERVICE_KEY', serviceKey, 'service_role', jwtSecret),
    anonKey && apiKeyProblem('CHORUS_REALTIME_ANON_KEY', anonKey, 'anon', jwtSecret),
  ]) {
    if (keyProblem) problem(keyProblem);
  }
  if (serviceKey === null || anonKey === null) return { kind: 'embedded' }; // never used: the missing key is a problem
  return { kind: 'external', url, serviceKey, anonKey };
}

/** The audience of a signed-in Supabase user's access token. */
const DEFAULT_SUPABASE_AUDIENCE = 'authenticated';

/**
 * An http(s) URL as text without a trailing slash, or null with a problem. `keys` URLs must be
 * https unless they are on this machine: keys fetched in the clear could be swapped on the way.
 */
function supabaseUrl(
  name: string,
  raw: string,
  problem: (message: string) => void,
  options: { keys?: boolean } = {},
): string | null {
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (url === null || !/^https?:$/.test(url.protocol) || url.username || url.password) {
    problem(
      `${name} must be an http(s) URL, e.g. https://<project>.supabase.co (got "${raw.slice(0, 100)}")`,
    );
    return null;
  }
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(url.hostname);
  if (options.keys && url.protocol === 'http:' && !loopback) {
    problem(
      `${name} must be https (http only for localhost): Supabase's signing keys are fetched from it (got "${raw.slice(0, 100)}")`,
    );
    return null;
  }
  return raw.replace(/\/+$/, '');
}

/**
 * `CHORUS_SUPABASE_*`: which Supabase project's Auth users are accepted as identity, or null when
 * none is set. The issuer is `CHORUS_SUPABASE_AUTH_ISSUER`, else `<CHORUS_SUPABASE_URL>/auth/v1`;
 * the JWKS is `CHORUS_SUPABASE_AUTH_JWKS_URL`, else `<issuer>/.well-known/jwks.json`; HS256 tokens
 * need `CHORUS_SUPABASE_JWT_SECRET`. `problem` is told every bad value and combination.
 */
function readSupabaseAuth(
  environment: Pick<
    Environment,
    | 'CHORUS_SUPABASE_URL'
    | 'CHORUS_SUPABASE_JWT_SECRET'
    | 'CHORUS_SUPABASE_AUTH_ISSUER'
    | 'CHORUS_SUPABASE_AUTH_AUDIENCE'
    | 'CHORUS_SUPABASE_AUTH_JWKS_URL'
    | 'CHORUS_IDENTITY_SECRET'
  >,
  problem: (message: string) => void,
): SupabaseAuthSettings | null {
  const {
    CHORUS_SUPABASE_URL: projectUrl,
    CHORUS_SUPABASE_JWT_SECRET: jwtSecret,
    CHORUS_SUPABASE_AUTH_ISSUER: issuerSetting,
    CHORUS_SUPABASE_AUTH_AUDIENCE: audience,
    CHORUS_SUPABASE_AUTH_JWKS_URL: jwksSetting,
    CHORUS_IDENTITY_SECRET: identitySecret,
  } = environment;
  if ([projectUrl, jwtSecret, issuerSetting, audience, jwksSetting].every((value) => !value)) {
    return null;
  }
  let valid = true;
  const check = (name: string, raw: string | undefined, keys = false) => {
    if (raw === undefined) return undefined;
    const url = supabaseUrl(name, raw, problem, { keys });
    if (url === null) valid = false;
    return url ?? undefined;
  };
  const project = check('CHORUS_SUPABASE_URL', projectUrl);
  const issuer =
    check('CHORUS_SUPABASE_AUTH_ISSUER', issuerSetting) ??
    (project === undefined ? undefined : `${project}/auth/v1`);
  if (issuer === undefined && valid) {
    problem(
      "CHORUS_SUPABASE_URL is required with the other CHORUS_SUPABASE_* settings: the project URL (https://<project>.supabase.co) tells its users' access tokens apart",
    );
    valid = false;
  }
  const jwksUrl =
    check('CHORUS_SUPABASE_AUTH_JWKS_URL', jwksSetting, true) ??
    (issuer === undefined
      ? undefined
      : check(
          jwksSetting === undefined && issuerSetting === undefined
            ? 'CHORUS_SUPABASE_URL'
            : 'CHORUS_SUPABASE_AUTH_ISSUER',
          `${issuer}/.well-known/jwks.json`,
          true,
        ));
  if (jwtSecret !== null && jwtSecret.length < MIN_SECRET_LENGTH) {
    problem(
      `CHORUS_SUPABASE_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters (the project's legacy JWT secret, from its API settings)`,
    );
    valid = false;
  }
  if (jwtSecret !== null && identitySecret !== null && jwtSecret === identitySecret) {
    problem(
      'CHORUS_SUPABASE_JWT_SECRET and CHORUS_IDENTITY_SECRET must differ: with one secret, whoever can sign one kind of identity could sign the other',
    );
    valid = false;
  }
  if (!valid || issuer === undefined || jwksUrl === undefined) return null;
  return { issuer, audience: audience ?? DEFAULT_SUPABASE_AUDIENCE, jwksUrl, jwtSecret };
}
