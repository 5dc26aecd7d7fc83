import path from 'node:path';
import { AllowedOriginsError, parseAllowedOrigins, type AllowedOrigins } from './http/allowed-origins.ts';
import { DEFAULT_API_LIMITS, type ApiLimits } from './http/api-schemas.ts';
import { parseTrustProxy } from './http/trust-proxy.ts';
import { apiKeyProblem } from './auth/keys.ts';
import type { LogLevel } from './lib/logger.ts';
import { readProviderSettings, type ProviderSettings } from './providers/index.ts';
import { DEFAULT_LIMITS, type HubLimits } from './realtime/hub/limits.ts';

/** Everything the server reads from its environment, validated. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Null when unset: a secret is generated once and kept in the data dir. */
  jwtSecret: string | null;
  logLevel: LogLevel;
  hubLimits: HubLimits;
  /** Any Postgres (Supabase's included); null means PGlite in `dataDir`. */
  databaseUrl: string | null;
  /** A folder of persona Markdown files; null means the defaults that ship with the server. */
  personasDir: string | null;
  providers: ProviderSettings;
  /** The provider variables as set, for switching the default personas to a real model. */
  providerEnv: Readonly<Record<string, string | undefined>>;
  orchestrator: {
    coalesceWindowMs: number;
    maxAgentTurns: number;
    tokensPerDay: number;
    /** Replies one room may stream at once, across every process. */
    maxRepliesPerRoom: number;
    /** A room quiet this long gets its session summarized (0: never). */
    summaryQuietMs: number;
  };
  /** `CHORUS_ALLOWED_ORIGINS`: sites allowed to call the API from a browser. */
  allowedOrigins: AllowedOrigins;
  /** Host sites sign their users' ids with it; null refuses host-signed identities. */
  identitySecret: string | null;
  sessionTtlSeconds: number;
  apiLimits: ApiLimits;
  trustProxy: boolean | number | string;
  /** `CHORUS_PUBLIC_URL`: this server's origin as browsers reach it (`https://chat.example.com`); null: from expected `Host`s only. */
  publicUrl: string | null;
  /** The realtime URL browsers use; null: the external realtime's URL, else `<publicUrl>/realtime/v1`, else from an expected `Host`. */
  publicRealtimeUrl: string | null;
  /** Which Supabase Realtime carries the rooms: the hub embedded in this server, or an external one. */
  realtime: RealtimeSettings;
}

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

/** Hub limits settable as `CHORUS_LIMIT_<NAME>` (docs/architecture.md §6). */
const LIMIT_VARIABLES: Record<string, keyof HubLimits> = {
  CHORUS_LIMIT_PAYLOAD_KB: 'maxPayloadKb',
  CHORUS_LIMIT_FRAME_BYTES: 'maxFrameBytes',
  CHORUS_LIMIT_EVENTS_PER_SECOND: 'maxEventsPerSecond',
  CHORUS_LIMIT_CHANNELS_PER_SOCKET: 'maxChannelsPerSocket',
  CHORUS_LIMIT_JOINS_PER_SECOND: 'maxJoinsPerSecond',
  CHORUS_LIMIT_PRESENCE_CALLS: 'maxPresenceCalls',
  CHORUS_LIMIT_PRESENCE_WINDOW_MS: 'presenceWindowMs',
  CHORUS_LIMIT_IDLE_TIMEOUT_MS: 'idleTimeoutMs',
};

/**
 * Reads the configuration from `env`; throws a {@link ConfigError} listing every problem.
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const port = integer('PORT', 8787, 0, 65_535);
  const logLevel = (env.CHORUS_LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`CHORUS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const jwtSecret = env.CHORUS_JWT_SECRET || null;
  if (jwtSecret !== null && jwtSecret.length < MIN_SECRET_LENGTH) {
    problems.push(`CHORUS_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters (it signs every token)`);
  }
  const hubLimits = { ...DEFAULT_LIMITS };
  for (const [name, key] of Object.entries(LIMIT_VARIABLES)) hubLimits[key] = integer(name, DEFAULT_LIMITS[key], 1);

  const databaseUrl = env.DATABASE_URL || null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }
  const providers = readProviderSettings(env);
  problems.push(...providers.problems);
  const orchestrator = {
    coalesceWindowMs: integer('CHORUS_COALESCE_MS', 40, 0, 1000),
    maxAgentTurns: integer('CHORUS_MAX_AGENT_TURNS', 3, 0, 20),
    tokensPerDay: integer('CHORUS_TOKENS_PER_ROOM_PER_DAY', 200_000, 0),
    maxRepliesPerRoom: integer('CHORUS_MAX_REPLIES_PER_ROOM', 4, 1, 64),
    summaryQuietMs: integer('CHORUS_SUMMARY_QUIET_MS', 600_000, 0, 86_400_000),
  };

  let allowedOrigins: AllowedOrigins = '*';
  try {
    allowedOrigins = parseAllowedOrigins(env.CHORUS_ALLOWED_ORIGINS);
  } catch (error) {
    if (!(error instanceof AllowedOriginsError)) throw error;
    problems.push(`CHORUS_ALLOWED_ORIGINS: ${error.message}`);
  }
  let trustProxy: boolean | number | string = false;
  try {
    trustProxy = parseTrustProxy(env.CHORUS_TRUST_PROXY);
  } catch (error) {
    problems.push(`CHORUS_TRUST_PROXY: ${(error as Error).message}`);
  }
  const identitySecret = env.CHORUS_IDENTITY_SECRET || null;
  if (identitySecret !== null && identitySecret.length < MIN_SECRET_LENGTH) {
    problems.push(`CHORUS_IDENTITY_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const publicUrl = readPublicUrl(env.CHORUS_PUBLIC_URL, problems);
  const publicRealtimeUrl = env.CHORUS_PUBLIC_REALTIME_URL || null;
  if (publicRealtimeUrl !== null && !/^wss?:\/\//.test(publicRealtimeUrl)) {
    problems.push('CHORUS_PUBLIC_REALTIME_URL must be a ws:// or wss:// URL, e.g. wss://chat.example.com/realtime/v1');
  }
  const realtime = readRealtimeSettings(env, jwtSecret, problems);
  const sessionTtlSeconds = integer('CHORUS_SESSION_TTL_SECONDS', 3600, 60, 86_400);
  const apiLimits: ApiLimits = {
    messageChars: integer('CHORUS_LIMIT_MESSAGE_CHARS', DEFAULT_API_LIMITS.messageChars, 1, 100_000),
    messagesPerMinute: integer('CHORUS_LIMIT_MESSAGES_PER_MINUTE', DEFAULT_API_LIMITS.messagesPerMinute, 1),
    messagesPerIpPerMinute: integer('CHORUS_LIMIT_MESSAGES_PER_IP_PER_MINUTE', DEFAULT_API_LIMITS.messagesPerIpPerMinute, 1),
    sessionsPerMinute: integer('CHORUS_LIMIT_SESSIONS_PER_MINUTE', DEFAULT_API_LIMITS.sessionsPerMinute, 1),
    requestsPerMinute: integer('CHORUS_LIMIT_REQUESTS_PER_MINUTE', DEFAULT_API_LIMITS.requestsPerMinute, 1),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(cwd, env.CHORUS_DATA_DIR || '.chorus'),
    jwtSecret,
    logLevel,
    hubLimits,
    databaseUrl,
    personasDir: env.CHORUS_PERSONAS_DIR ? path.resolve(cwd, env.CHORUS_PERSONAS_DIR) : null,
    providers: providers.settings,
    providerEnv: pick(env, ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'CHORUS_OPENAI_MODEL', 'CHORUS_ANTHROPIC_MODEL']),
    orchestrator,
    allowedOrigins,
    identitySecret,
    sessionTtlSeconds,
    apiLimits,
    trustProxy,
    publicUrl,
    publicRealtimeUrl,
    realtime,
  };
}

/** `CHORUS_PUBLIC_URL` as an origin (no trailing slash), or null; adds to `problems` when it is not an http(s) origin. */
function readPublicUrl(raw: string | undefined, problems: string[]): string | null {
  if (!raw) return null;
  const url = URL.canParse(raw) ? new URL(raw) : null;
  if (url === null || !/^https?:$/.test(url.protocol) || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    problems.push(`CHORUS_PUBLIC_URL must be the http(s) origin browsers reach this server at, with no path, e.g. https://chat.example.com (got "${raw.slice(0, 100)}")`);
    return null;
  }
  return url.origin;
}

/** `CHORUS_REALTIME_URL` and its keys; adds to `problems` what is missing or wrong. */
function readRealtimeSettings(env: NodeJS.ProcessEnv, jwtSecret: string | null, problems: string[]): RealtimeSettings {
  const rawUrl = env.CHORUS_REALTIME_URL || null;
  const serviceKey = env.CHORUS_REALTIME_SERVICE_KEY || null;
  const anonKey = env.CHORUS_REALTIME_ANON_KEY || null;
  if (rawUrl === null) {
    if (serviceKey !== null || anonKey !== null) {
      problems.push('CHORUS_REALTIME_SERVICE_KEY and CHORUS_REALTIME_ANON_KEY need CHORUS_REALTIME_URL (without it the embedded hub is used, with its own keys)');
    }
    return { kind: 'embedded' };
  }
  let url = rawUrl.replace(/\/+$/, '');
  if (!/^(wss?|https?):\/\/[^/\s]+/.test(url)) {
    problems.push('CHORUS_REALTIME_URL must be a ws(s):// or http(s):// URL of a Supabase Realtime, e.g. wss://<project>.supabase.co/realtime/v1');
  } else {
    url = url.replace(/^http/, 'ws');
  }
  if (jwtSecret === null) {
    problems.push(
      "CHORUS_JWT_SECRET is required with CHORUS_REALTIME_URL: set it to the Supabase project's JWT secret, so Supabase Realtime accepts the room tokens Chorus signs",
    );
  }
  if (serviceKey === null) problems.push("CHORUS_REALTIME_SERVICE_KEY is required with CHORUS_REALTIME_URL (the project's service-role key; the server sends with it)");
  if (anonKey === null) problems.push("CHORUS_REALTIME_ANON_KEY is required with CHORUS_REALTIME_URL (the project's anon key; browsers connect with it)");
  for (const problem of [
    serviceKey && apiKeyProblem('CHORUS_REALTIME_SERVICE_KEY', serviceKey, 'service_role', jwtSecret),
    anonKey && apiKeyProblem('CHORUS_REALTIME_ANON_KEY', anonKey, 'anon', jwtSecret),
  ]) {
    if (problem) problems.push(problem);
  }
  if (serviceKey === null || anonKey === null) return { kind: 'embedded' }; // never used: the missing key is a problem
  return { kind: 'external', url, serviceKey, anonKey };
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, env[name]]));
}
