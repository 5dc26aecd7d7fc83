import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowedOrigins } from '../../server/auth/allowed-origins.ts';
import { parseTrustProxy } from '../../server/http/trust-proxy.ts';
import { startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

describe('origin allowlist and CORS', () => {
  let shop: Awaited<ReturnType<ApiHarness['variant']>>;

  beforeAll(async () => {
    shop = await api.variant({
      allowedOrigins: parseAllowedOrigins('https://shop.example, http://localhost:5173/'),
    });
  });

  it('answers a preflight from an allowed origin with 204 and the CORS headers', async () => {
    const response = await shop.request('OPTIONS', '/api/rooms/lobby/messages', {
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'access-control-allow-headers': expect.stringMatching(/Authorization.*Content-Type/),
      'access-control-max-age': '600',
      vary: expect.stringMatching(/Origin/),
    });
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('adds CORS headers to calls from allowed origins, the server itself and non-browser clients', async () => {
    const allowed = await shop.request('POST', '/api/session', {
      headers: { origin: 'http://localhost:5173' },
      body: { room: 'cors-room', name: 'Ann' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(allowed.headers['access-control-expose-headers']).toMatch(/X-Request-Id.*Retry-After/);
    const own = await shop.request('GET', '/api/openapi.json', { headers: { origin: shop.url } });
    expect(own.status).toBe(200);
    const noOrigin = await shop.request('GET', '/api/openapi.json');
    expect(noOrigin.status).toBe(200);
    expect(noOrigin.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    'https://evil.example',
    'https://shop.example.evil.example',
    'http://shop.example',
    'null',
  ])(
    'refuses calls and preflights from %s with 403 origin_not_allowed, changing nothing',
    async (origin) => {
      const before = await api.snapshot();
      const call = await shop.request('POST', '/api/session', {
        headers: { origin },
        body: { room: 'evil-room', name: 'Eve' },
      });
      expect(call.status).toBe(403);
      expect(call.body.error).toMatchObject({
        code: 'origin_not_allowed',
        message: expect.stringContaining(origin),
      });
      expect(call.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await shop.request('OPTIONS', '/api/session', {
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(403);
      expect(await api.snapshot()).toEqual(before);
    },
  );

  it('allows any origin by default', async () => {
    const response = await api.request('GET', '/api/openapi.json', {
      headers: { origin: 'https://anywhere.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://anywhere.example');
  });

  it('parses CHORUS_ALLOWED_ORIGINS, naming each invalid entry', () => {
    expect(parseAllowedOrigins(undefined)).toBe('*');
    expect(parseAllowedOrigins(' ')).toBe('*');
    expect(parseAllowedOrigins('https://a.example,*')).toBe('*');
    expect(parseAllowedOrigins('https://A.example:443/, http://localhost:3000')).toEqual(
      new Set(['https://a.example', 'http://localhost:3000']),
    );
    expect(() =>
      parseAllowedOrigins(
        'https://ok.example, shop.example, https://x.example/path, ftp://f.example',
      ),
    ).toThrow(
      /"shop.example" is not an origin.*"https:\/\/x.example\/path" is not an origin.*"ftp:\/\/f.example" is not an origin/,
    );
  });
});

describe('rate limits', () => {
  it('limits new sessions per IP with 429 and Retry-After, ignoring X-Forwarded-For (trust proxy is off)', async () => {
    let clock = Date.now();
    const limited = await api.variant({ limits: { sessionsPerMinute: 3 }, now: () => clock });
    for (let index = 0; index < 3; index += 1) {
      const response = await limited.request('POST', '/api/session', {
        headers: { 'x-forwarded-for': `10.0.0.${index}` },
        body: { room: 'busy', name: 'N' },
      });
      expect(response.status).toBe(200);
    }
    const before = await api.snapshot();
    const refused = await limited.request('POST', '/api/session', {
      headers: { 'x-forwarded-for': '10.0.0.99' },
      body: { room: 'busy', name: 'N' },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(
        /Too many new sessions.*limit is 3 a minute.*try again in \d+ seconds?/,
      ),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await api.snapshot()).toEqual(before);
    clock += 60_000;
    expect(
      (await limited.request('POST', '/api/session', { body: { room: 'busy', name: 'N' } })).status,
    ).toBe(200);
  });

  it('limits messages per participant; other participants are not affected', async () => {
    const limited = await api.variant({ limits: { messagesPerMinute: 2 } });
    const session = async () =>
      (await limited.request('POST', '/api/session', { body: { room: 'chatty', name: 'C' } })).body
        .token as string;
    const [talker, other] = [await session(), await session()];
    const post = (token: string) =>
      limited.request('POST', '/api/rooms/chatty/messages', {
        token,
        body: { id: randomUUID(), content: 'hi' },
      });
    expect((await post(talker)).status).toBe(201);
    expect((await post(talker)).status).toBe(201);
    const before = await api.snapshot();
    const refused = await post(talker);
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toMatch(/Too many messages from you in this room/);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(await api.snapshot()).toEqual(before);
    expect((await post(other)).status).toBe(201);
  });

  it('limits messages per IP across all its sessions, so new sessions do not reset it; 429 with Retry-After', async () => {
    let clock = Date.now();
    const limited = await api.variant({ limits: { messagesPerIpPerMinute: 4 }, now: () => clock });
    const session = async () =>
      (await limited.request('POST', '/api/session', { body: { room: 'one-ip', name: 'Class' } }))
        .body.token as string;
    const post = (token: string) =>
      limited.request('POST', '/api/rooms/one-ip/messages', {
        token,
        body: { id: randomUUID(), content: 'hi' },
      });
    for (let index = 0; index < 4; index += 1)
      expect((await post(await session())).status).toBe(201);
    const fifth = await session();
    const before = await api.snapshot();
    const refused = await post(fifth);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/Too many messages from your network.*limit is 4 a minute/),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await api.snapshot()).toEqual(before);
    clock += 60_000;
    expect((await post(await session())).status).toBe(201);
  });

  it('counts messages per client IP from X-Forwarded-For when CHORUS_TRUST_PROXY is set', async () => {
    const proxied = await api.variant({ trustProxy: 1, limits: { messagesPerIpPerMinute: 1 } });
    const postFrom = async (ip: string) => {
      const { token } = (
        await proxied.request('POST', '/api/session', {
          headers: { 'x-forwarded-for': ip },
          body: { room: 'proxied-posts', name: 'P' },
        })
      ).body;
      return proxied.request('POST', '/api/rooms/proxied-posts/messages', {
        token,
        headers: { 'x-forwarded-for': ip },
        body: { id: randomUUID(), content: 'hi' },
      });
    };
    expect((await postFrom('203.0.113.1')).status).toBe(201);
    expect((await postFrom('203.0.113.2')).status).toBe(201);
    expect((await postFrom('203.0.113.1')).status).toBe(429);
  });

  it('limits all API requests per IP, but not the health checks', async () => {
    const limited = await api.variant({ limits: { requestsPerMinute: 3 } });
    for (let index = 0; index < 3; index += 1)
      expect((await limited.request('GET', '/api/openapi.json')).status).toBe(200);
    const refused = await limited.request('GET', '/api/openapi.json');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await limited.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('request bodies', () => {
  it.each(['gzip', 'deflate', 'br'])(
    'refuses a body that is not valid %s data with 400, logging no error',
    async (encoding) => {
      const before = await api.snapshot();
      const errorsBefore = api.logs.filter((entry) => entry.level === 'error').length;
      const response = await api.request('POST', '/api/session', {
        rawBody: Buffer.from('{"room":"x","name":"not compressed at all"}'),
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining(`not valid ${encoding} data`),
        requestId: expect.any(String),
      });
      expect(api.logs.filter((entry) => entry.level === 'error')).toHaveLength(errorsBefore);
      expect(await api.snapshot()).toEqual(before);
    },
  );

  it('accepts a body that is validly gzip-compressed', async () => {
    const response = await api.request('POST', '/api/session', {
      rawBody: gzipSync(JSON.stringify({ room: 'zipped-room', name: 'Zip' })),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(response.body.participant.name).toBe('Zip');
  });
});

describe('headers, request ids and the access log', () => {
  it('sets security headers on API answers, errors included, and no X-Powered-By', async () => {
    for (const response of [
      await api.request('GET', '/api/openapi.json'),
      await api.request('GET', '/api/rooms/x'),
      await api.request('GET', '/api/none'),
    ]) {
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
        'content-security-policy': expect.stringContaining("default-src 'none'"),
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('sends X-Content-Type-Options: nosniff with the widget bundle, the demo pages and every JSON 404', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'chorus-assets-'));
    try {
      await mkdir(path.join(folder, 'widget'));
      await mkdir(path.join(folder, 'demo'));
      await writeFile(path.join(folder, 'widget', 'chorus.js'), 'void 0;');
      await writeFile(
        path.join(folder, 'demo', 'index.html'),
        '<!doctype html><title>Demo</title>',
      );
      const served = await api.variant({
        assets: { widgetDir: path.join(folder, 'widget'), demoDir: path.join(folder, 'demo') },
      });
      for (const route of [
        '/chorus.js',
        '/demo/',
        '/nothing-here',
        '/chorus-i18n/xx.json',
        '/api/nothing-here',
      ]) {
        const response = await served.request('GET', route);
        expect(response.status, route).toBe(
          route === '/chorus.js' || route === '/demo/' ? 200 : 404,
        );
        expect(response.headers['x-content-type-options'], route).toBe('nosniff');
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const echoed = await api.request('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const replaced = await api.request('GET', '/healthz', {
      headers: { 'x-request-id': 'has spaces and "quotes"' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await api.request('GET', '/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs each request with its id, method, path without query, status and duration, and never a token', async () => {
    const { token } = await api.session('logged-room', 'Logan');
    await api.request(
      'GET',
      '/api/rooms/logged-room/messages?limit=5&access_token=secret-in-query',
      { token, headers: { 'x-request-id': 'log-me' } },
    );
    const entry = api.logs.find(
      (candidate) => candidate.event === 'http.request' && candidate.fields.requestId === 'log-me',
    );
    expect(entry).toEqual({
      level: 'info',
      event: 'http.request',
      fields: {
        requestId: 'log-me',
        method: 'GET',
        path: '/api/rooms/logged-room/messages',
        status: 200,
        durationMs: expect.any(Number),
        ip: '127.0.0.1',
        roomId: 'logged-room',
        participantId: expect.stringMatching(/^guest:/),
      },
    });
    const everything = JSON.stringify(api.logs);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('secret-in-query');
    expect(everything).not.toMatch(/authorization/i);
  });
});

describe('health', () => {
  it('GET /healthz is always 200; GET /readyz is 200 when ready and 503 otherwise', async () => {
    expect(await api.request('GET', '/healthz')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await api.request('GET', '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready' },
    });
    api.setReady(false);
    try {
      expect(await api.request('GET', '/readyz')).toMatchObject({
        status: 503,
        body: { status: 'unavailable' },
      });
      expect((await api.request('GET', '/healthz')).status).toBe(200);
    } finally {
      api.setReady(true);
    }
    const failing = await api.variant({
      ready: () => Promise.reject(new Error('database is gone')),
    });
    expect((await failing.request('GET', '/readyz')).status).toBe(503);
  });
});

describe('CHORUS_TRUST_PROXY', () => {
  it('is off unless set; a hop count or address list is passed on to Express', () => {
    expect([undefined, '', 'false'].map(parseTrustProxy)).toEqual([false, false, false]);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
  });

  it('when set, takes the client IP from X-Forwarded-For for the per-IP limits', async () => {
    const proxied = await api.variant({ trustProxy: 1, limits: { sessionsPerMinute: 1 } });
    const from = (ip: string) =>
      proxied.request('POST', '/api/session', {
        headers: { 'x-forwarded-for': ip },
        body: { room: 'proxied', name: 'P' },
      });
    expect((await from('203.0.113.1')).status).toBe(200);
    expect((await from('203.0.113.2')).status).toBe(200);
    expect((await from('203.0.113.1')).status).toBe(429);
  });
});
