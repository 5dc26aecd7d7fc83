import { describe, expect, it } from 'vitest';
import { configProblems } from '../test/helpers/config-problems.ts';
import { DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_MODEL, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives the defaults for an empty environment', () => {
    const config = loadConfig({}, '/srv/chorus');
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: '/srv/chorus/.chorus',
      jwtSecret: null,
      logLevel: 'info',
      databaseUrl: null,
      personasDir: null,
      realModel: null,
      orchestrator: {
        coalesceWindowMs: 40,
        maxAgentTurns: 3,
        tokensPerDay: 200_000,
        maxRepliesPerRoom: 4,
        summaryQuietMs: 600_000,
        conversationSummaryQuietMs: 120_000,
      },
      allowedOrigins: '*',
      trustProxy: false,
      realtime: { kind: 'embedded' },
      webhooks: null,
    });
  });

  it('lists every problem at once, across variables and with the realtime rules between them', () => {
    const problems = configProblems({
      PORT: 'eighty',
      CHORUS_LOG_LEVEL: 'loud',
      CHORUS_JWT_SECRET: 'short',
      CHORUS_LIMIT_PAYLOAD_KB: '0',
      DATABASE_URL: 'mysql://x',
      OPENAI_BASE_URL: 'localhost:11434',
      CHORUS_OFFLINE_TOKENS_PER_SECOND: 'fast',
      CHORUS_PROVIDER_TIMEOUT_MS: '-5',
      CHORUS_ALLOWED_ORIGINS: 'not an origin',
      CHORUS_REALTIME_ANON_KEY: 'sb_publishable_x',
    });
    expect(problems).toEqual([
      'PORT must be an integer from 0 to 65535, got "eighty"',
      'CHORUS_LOG_LEVEL must be one of debug, info, warn, error, got "loud"',
      'CHORUS_JWT_SECRET must be at least 32 characters (it signs every token)',
      expect.stringMatching(/^CHORUS_LIMIT_PAYLOAD_KB must be an integer from 1 to/),
      'DATABASE_URL must be a postgres:// or postgresql:// connection string',
      'OPENAI_BASE_URL must be an http(s) URL such as http://localhost:11434/v1, got "localhost:11434"',
      'CHORUS_OFFLINE_TOKENS_PER_SECOND must be a positive number, got "fast"',
      'CHORUS_PROVIDER_TIMEOUT_MS must be a positive number, got "-5"',
      expect.stringMatching(/^CHORUS_ALLOWED_ORIGINS: /),
      expect.stringMatching(/need CHORUS_REALTIME_URL/),
    ]);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(
      /Invalid configuration:\n {2}- PORT must be an integer/,
    );
  });

  it('reads the provider settings, blank values counting as unset', () => {
    expect(
      loadConfig({
        OPENAI_API_KEY: '  ',
        OPENAI_BASE_URL: 'http://localhost:11434/v1',
        ANTHROPIC_API_KEY: 'sk-ant',
        CHORUS_OFFLINE_TOKENS_PER_SECOND: '40',
        CHORUS_PROVIDER_TIMEOUT_MS: '5000',
      }).providers,
    ).toEqual({
      openai: { apiKey: undefined, baseURL: 'http://localhost:11434/v1' },
      anthropic: { apiKey: 'sk-ant', baseURL: undefined },
      offline: { tokensPerSecond: 40 },
      apiKeys: { ANTHROPIC_API_KEY: 'sk-ant' },
      timeoutMs: 5000,
    });
  });

  it('hands every set *_API_KEY variable to the providers by name, for personas that name one', () => {
    const config = loadConfig({
      GROQ_API_KEY: ' gsk-test ',
      OPENROUTER_API_KEY: '',
      OPENAI_API_KEY: 'sk-openai',
      MY_API_KEY_FILE: '/etc/key',
      lower_api_key: 'ignored',
      CHORUS_JWT_SECRET: 'x'.repeat(40),
    });

    expect(config.providers.apiKeys).toEqual({
      GROQ_API_KEY: 'gsk-test',
      OPENAI_API_KEY: 'sk-openai',
    });
  });

  /** The real model the shipped personas switch to, for each environment. */
  const precedence: Record<
    string,
    [env: Record<string, string>, realModel: { provider: string; model: string } | null]
  > = {
    'no keys: they stay offline': [{}, null],
    'empty values count as unset': [{ OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '  ' }, null],
    'an OpenAI key': [
      { OPENAI_API_KEY: 'sk-test' },
      { provider: 'openai', model: DEFAULT_OPENAI_MODEL },
    ],
    'an OpenAI-compatible base URL alone': [
      { OPENAI_BASE_URL: 'http://localhost:11434/v1' },
      { provider: 'openai', model: DEFAULT_OPENAI_MODEL },
    ],
    'an OpenAI model setting': [
      { OPENAI_API_KEY: 'sk-test', CHORUS_OPENAI_MODEL: 'llama3.2' },
      { provider: 'openai', model: 'llama3.2' },
    ],
    'an Anthropic key': [
      { ANTHROPIC_API_KEY: 'sk-ant-test' },
      { provider: 'anthropic', model: DEFAULT_ANTHROPIC_MODEL },
    ],
    'an Anthropic model setting': [
      { ANTHROPIC_API_KEY: 'sk-ant-test', CHORUS_ANTHROPIC_MODEL: 'claude-sonnet-4-5' },
      { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    ],
    'both keys: OpenAI wins': [
      { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant-test' },
      { provider: 'openai', model: DEFAULT_OPENAI_MODEL },
    ],
    'a base URL and an Anthropic key: OpenAI wins': [
      { OPENAI_BASE_URL: 'http://localhost:1234/v1', ANTHROPIC_API_KEY: 'sk-ant-test' },
      { provider: 'openai', model: DEFAULT_OPENAI_MODEL },
    ],
    'a model setting without a key changes nothing': [
      { CHORUS_ANTHROPIC_MODEL: 'claude-opus-4-1' },
      null,
    ],
  };

  it.each(Object.entries(precedence))(
    'real model for the shipped personas: %s',
    (_case, [env, realModel]) => {
      expect(loadConfig(env).realModel).toEqual(realModel);
    },
  );

  describe('Supabase Auth users (CHORUS_SUPABASE_*)', () => {
    const secret = 'legacy-jwt-secret-of-the-project-0123456789';

    it('is off unless set, and derives the issuer and JWKS from the project URL', () => {
      expect(loadConfig({}).supabaseAuth).toBeNull();
      expect(loadConfig({ CHORUS_SUPABASE_URL: 'https://abc.supabase.co/' }).supabaseAuth).toEqual({
        issuer: 'https://abc.supabase.co/auth/v1',
        audience: 'authenticated',
        jwksUrl: 'https://abc.supabase.co/auth/v1/.well-known/jwks.json',
        jwtSecret: null,
      });
      expect(
        loadConfig({
          CHORUS_SUPABASE_URL: 'http://127.0.0.1:54321',
          CHORUS_SUPABASE_JWT_SECRET: secret,
          CHORUS_SUPABASE_AUTH_AUDIENCE: 'members',
        }).supabaseAuth,
      ).toEqual({
        issuer: 'http://127.0.0.1:54321/auth/v1',
        audience: 'members',
        jwksUrl: 'http://127.0.0.1:54321/auth/v1/.well-known/jwks.json',
        jwtSecret: secret,
      });
    });

    it('takes a self-hosted issuer and an internal JWKS address', () => {
      expect(
        loadConfig({
          CHORUS_SUPABASE_AUTH_ISSUER: 'https://auth.example.com/auth/v1',
          CHORUS_SUPABASE_AUTH_JWKS_URL: 'http://localhost:9999/.well-known/jwks.json',
        }).supabaseAuth,
      ).toMatchObject({
        issuer: 'https://auth.example.com/auth/v1',
        jwksUrl: 'http://localhost:9999/.well-known/jwks.json',
      });
    });

    it('lists every bad value and combination at once', () => {
      expect(
        configProblems({
          CHORUS_SUPABASE_URL: 'abc.supabase.co',
          CHORUS_SUPABASE_JWT_SECRET: 'short',
        }),
      ).toEqual([
        'CHORUS_SUPABASE_URL must be an http(s) URL, e.g. https://<project>.supabase.co (got "abc.supabase.co")',
        expect.stringMatching(/^CHORUS_SUPABASE_JWT_SECRET must be at least 32 characters/),
      ]);
      expect(configProblems({ CHORUS_SUPABASE_JWT_SECRET: secret })).toEqual([
        expect.stringMatching(
          /^CHORUS_SUPABASE_URL is required with the other CHORUS_SUPABASE_\* settings/,
        ),
      ]);
      expect(
        configProblems({
          CHORUS_SUPABASE_URL: 'http://supabase.internal:8000',
          CHORUS_SUPABASE_JWT_SECRET: secret,
          CHORUS_IDENTITY_SECRET: secret,
          PORT: 'x',
        }),
      ).toEqual([
        'PORT must be an integer from 0 to 65535, got "x"',
        expect.stringMatching(/^CHORUS_SUPABASE_URL must be https \(http only for localhost\)/),
        expect.stringMatching(/^CHORUS_SUPABASE_JWT_SECRET and CHORUS_IDENTITY_SECRET must differ/),
      ]);
    });
  });

  describe('webhooks (CHORUS_WEBHOOK_URL, CHORUS_WEBHOOK_SECRET)', () => {
    const secret = 'w'.repeat(32);

    it('reads both with the delivery defaults, or overrides', () => {
      expect(
        loadConfig({
          CHORUS_WEBHOOK_URL: 'https://example.com/hooks',
          CHORUS_WEBHOOK_SECRET: secret,
        }).webhooks,
      ).toEqual({ url: 'https://example.com/hooks', secret, timeoutMs: 10_000, maxAttempts: 16 });
      expect(
        loadConfig({
          CHORUS_WEBHOOK_URL: 'http://127.0.0.1:9000/',
          CHORUS_WEBHOOK_SECRET: secret,
          CHORUS_WEBHOOK_TIMEOUT_MS: '2500',
          CHORUS_WEBHOOK_MAX_ATTEMPTS: '3',
        }).webhooks,
      ).toMatchObject({ timeoutMs: 2500, maxAttempts: 3 });
    });

    it('refuses one without the other, a URL that is not http(s), a short secret, and never prints the secret', () => {
      expect(configProblems({ CHORUS_WEBHOOK_URL: 'https://example.com/hooks' })).toEqual([
        'CHORUS_WEBHOOK_URL needs CHORUS_WEBHOOK_SECRET (set both or neither)',
      ]);
      expect(configProblems({ CHORUS_WEBHOOK_SECRET: secret })).toEqual([
        'CHORUS_WEBHOOK_SECRET needs CHORUS_WEBHOOK_URL (set both or neither)',
      ]);
      const problems = configProblems({
        CHORUS_WEBHOOK_URL: 'ftp://example.com/hooks',
        CHORUS_WEBHOOK_SECRET: 'too-short-secret-value',
        CHORUS_WEBHOOK_TIMEOUT_MS: '10',
        CHORUS_WEBHOOK_MAX_ATTEMPTS: '0',
      });
      expect(problems).toEqual([
        'CHORUS_WEBHOOK_TIMEOUT_MS must be an integer from 100 to 120000, got "10"',
        'CHORUS_WEBHOOK_MAX_ATTEMPTS must be an integer from 1 to 50, got "0"',
        expect.stringMatching(/^CHORUS_WEBHOOK_URL must be an http\(s\) URL/),
        'CHORUS_WEBHOOK_SECRET must be at least 32 characters (it signs every webhook)',
      ]);
      expect(problems.join('\n')).not.toContain('too-short-secret-value');
      expect(
        configProblems({ CHORUS_WEBHOOK_URL: 'not a url', CHORUS_WEBHOOK_SECRET: secret }),
      ).toEqual([expect.stringMatching(/^CHORUS_WEBHOOK_URL must be an http\(s\) URL/)]);
    });
  });
});

describe('CHORUS_KNOWLEDGE_DIR', () => {
  it('is off by default, and resolved from the working directory when set', () => {
    expect(loadConfig({}, '/srv/chorus').knowledgeDir).toBeNull();
    expect(loadConfig({ CHORUS_KNOWLEDGE_DIR: 'docs/help' }, '/srv/chorus').knowledgeDir).toBe(
      '/srv/chorus/docs/help',
    );
  });
});

describe('operations settings (docs/architecture.md §10)', () => {
  it('counts rate limits in Postgres with DATABASE_URL and in memory without; traces off by default', () => {
    expect(loadConfig({}).operations).toEqual({
      metricsToken: null,
      otlpEndpoint: null,
      otlpHeaders: {},
      serviceName: 'chorus',
      rateLimitStore: 'memory',
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://db/chorus' }).operations.rateLimitStore).toBe(
      'postgres',
    );
    expect(
      loadConfig({ DATABASE_URL: 'postgres://db/chorus', CHORUS_RATE_LIMIT_STORE: 'memory' })
        .operations.rateLimitStore,
    ).toBe('memory');
  });

  it('reads the OTLP endpoint, its headers as the OpenTelemetry spec writes them, and the service name', () => {
    const { operations } = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=abc%3D, api-key = k2',
      OTEL_SERVICE_NAME: 'chorus-eu',
    });
    expect(operations).toMatchObject({
      otlpEndpoint: 'https://otel.example.com:4318',
      otlpHeaders: { 'x-honeycomb-team': 'abc=', 'api-key': 'k2' },
      serviceName: 'chorus-eu',
    });
  });

  it('lists a bad OTLP endpoint, limit store or short metrics token as problems', () => {
    expect(
      configProblems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4318',
        CHORUS_RATE_LIMIT_STORE: 'redis',
        CHORUS_METRICS_TOKEN: 'short',
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/),
        'CHORUS_RATE_LIMIT_STORE must be memory or postgres, got "redis"',
        'CHORUS_METRICS_TOKEN must be at least 32 characters',
      ]),
    );
  });
});
