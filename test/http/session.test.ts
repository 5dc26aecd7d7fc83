import { RealtimeClient } from '@supabase/realtime-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentity } from '../../server/auth/identity.ts';
import { signJwt, verifyJwt } from '../../server/auth/jwt.ts';
import { parseAllowedOrigins } from '../../server/auth/allowed-origins.ts';
import { issueRoomToken } from '../../server/auth/tokens.ts';
import { titleFromRoomId } from '../../server/http/routes/session.ts';
import type { Room } from '../../server/store/rooms.ts';
import { TEST_JWT_SECRET, nowSeconds } from '../helpers/hub.ts';
import { nodeTransport, subscribe } from '../helpers/realtime-js.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { IDENTITY_SECRET, startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.disconnect()));
  await api.close();
});

function realtimeClient(url: string, apikey: string, token: string): RealtimeClient {
  const client = new RealtimeClient(url, {
    params: { apikey },
    transport: nodeTransport,
    timeout: 2000,
  });
  void client.setAuth(token);
  clients.push(client);
  return client;
}

describe('POST /api/session', () => {
  it('creates the room on first use and issues a room token that joins that room only', async () => {
    const before = Date.now();
    const response = await api.request('POST', '/api/session', {
      body: { room: 'launch-plan_2', name: '  Grace Hopper ' },
    });
    expect(response.status).toBe(200);
    const { token, expiresAt, participant, room, realtime } = response.body;
    expect(participant).toEqual({
      id: expect.stringMatching(/^guest:[0-9a-f-]{36}$/),
      name: 'Grace Hopper',
      role: 'guest',
    });
    expect(room).toEqual({
      id: 'launch-plan_2',
      parent: null,
      kind: 'shared',
      title: 'Launch plan 2',
      status: null,
      welcome: '',
      starters: [],
      handoff: false,
    });
    expect(realtime).toEqual({
      url: api.hub.realtimeUrl,
      apikey: api.hub.anonKey,
      typing: 'channel',
    });
    expect(realtime.apikey).not.toBe(api.hub.serviceKey);
    const expiresAtMs = Date.parse(expiresAt);
    expect(expiresAtMs).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expiresAtMs).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    expect(verifyJwt(token, TEST_JWT_SECRET)).toMatchObject({
      role: 'authenticated',
      sub: participant.id,
      room: 'launch-plan_2',
      name: 'Grace Hopper',
      exp: Math.floor(expiresAtMs / 1000),
    });
    expect(await api.store.rooms.getRoom('launch-plan_2')).toMatchObject({
      title: 'Launch plan 2',
    });
    const participants = await api.sql.query(
      'select id, name, kind from participants where room_id = $1',
      ['launch-plan_2'],
    );
    expect(participants.rows).toEqual([
      { id: participant.id, name: 'Grace Hopper', kind: 'human' },
    ]);

    // The token is the widget's Realtime access token: its own room's private channel joins...
    const client = realtimeClient(realtime.url, realtime.apikey, token);
    const own = client.channel('room:launch-plan_2', { config: { private: true } });
    own.on('presence', { event: 'sync' }, () => {});
    expect(await subscribe(client, own)).toEqual({ status: 'SUBSCRIBED' });
    // ...and the agents are already in its presence (showAgents).
    await waitFor(() => Object.keys(own.presenceState()).sort().join() === 'ada,bob', {
      what: 'agents in presence',
    });
    // Another room's channel is refused.
    const other = client.channel('room:other-room', { config: { private: true } });
    const refused = await subscribe(client, other);
    expect(refused.status).toBe('CHANNEL_ERROR');
    expect(String(refused.error?.message)).toMatch(/Unauthorized/);
  });

  it('gives each guest a new participant id, and keeps it on refresh with the current token', async () => {
    const first = await api.session('refresh-room', 'Ada Lovelace');
    const second = await api.session('refresh-room', 'Ada Lovelace');
    expect(second.participant.id).not.toBe(first.participant.id);

    const refreshed = await api.request('POST', '/api/session', {
      token: first.token,
      body: { room: 'refresh-room', name: 'Ada L.' },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.participant).toEqual({
      id: first.participant.id,
      name: 'Ada L.',
      role: 'guest',
    });

    // A token that expired less than one TTL ago still refreshes (a tab that slept).
    const stale = issueRoomToken({
      secret: TEST_JWT_SECRET,
      roomId: 'refresh-room',
      participantId: first.participant.id,
      role: 'guest',
      name: 'Ada Lovelace',
      ttlSeconds: 3600,
      nowMs: Date.now() - 5400_000,
    });
    const afterSleep = await api.request('POST', '/api/session', {
      token: stale.token,
      body: { room: 'refresh-room', name: 'Ada Lovelace' },
    });
    expect(afterSleep.body.participant.id).toBe(first.participant.id);

    // Long expired, or for another room: a new guest.
    const ancient = issueRoomToken({
      ...{
        secret: TEST_JWT_SECRET,
        roomId: 'refresh-room',
        participantId: first.participant.id,
        role: 'guest',
        name: 'Ada Lovelace',
      },
      ttlSeconds: 60,
      nowMs: Date.now() - 3 * 3600_000,
    });
    const fresh = await api.request('POST', '/api/session', {
      token: ancient.token,
      body: { room: 'refresh-room', name: 'Ada Lovelace' },
    });
    expect(fresh.body.participant.id).not.toBe(first.participant.id);
    const elsewhere = await api.request('POST', '/api/session', {
      token: first.token,
      body: { room: 'another-room', name: 'Ada Lovelace' },
    });
    expect(elsewhere.body.participant.id).not.toBe(first.participant.id);
  });

  it('refuses a forged bearer on refresh with 401 and changes nothing', async () => {
    const before = await api.snapshot();
    const forged = api.hub.token(
      { role: 'authenticated', sub: 'guest:someone-else', room: 'forged-room', name: 'X' },
      'another-secret-that-is-long-enough-0123456789',
    );
    const response = await api.request('POST', '/api/session', {
      token: forged,
      body: { room: 'forged-room', name: 'Mallory' },
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/not hold a valid room token/),
    });
    expect(await api.snapshot()).toEqual(before);
  });

  it('a verified host identity gives a stable participant id across sessions', async () => {
    const identity = {
      userId: 'customer-42',
      signature: signIdentity('customer-42', IDENTITY_SECRET),
      name: 'Dana (Acme)',
    };
    const first = await api.session('support-desk', 'ignored', { identity });
    const second = await api.session('support-desk', 'ignored', { identity });
    expect(first.participant).toEqual({
      id: 'user:customer-42',
      name: 'Dana (Acme)',
      role: 'member',
    });
    expect(second.participant.id).toBe('user:customer-42');
  });

  describe('a room with guestAccess: false', () => {
    beforeAll(async () => {
      await api.store.rooms.ensureRoom({
        id: 'members-only',
        title: 'Members only',
        settings: { guestAccess: false },
      });
    });

    it('admits a valid host-signed identity', async () => {
      const identity = { userId: 'member-7', signature: signIdentity('member-7', IDENTITY_SECRET) };
      const response = await api.request('POST', '/api/session', {
        body: { room: 'members-only', name: 'Member Seven', identity },
      });
      expect(response.status).toBe(200);
      expect(response.body.participant).toEqual({
        id: 'user:member-7',
        name: 'Member Seven',
        role: 'member',
      });
      // Its token refreshes without the identity again.
      const refreshed = await api.request('POST', '/api/session', {
        token: response.body.token,
        body: { room: 'members-only', name: 'Member 7' },
      });
      expect(refreshed.body.participant.id).toBe('user:member-7');
    });

    it.each([
      [
        'no identity',
        undefined,
        403,
        'identity_required',
        /admits only users verified by the host site/,
      ],
      [
        'a signature of another user id',
        { userId: 'member-7', signature: signIdentity('member-8', IDENTITY_SECRET) },
        401,
        'invalid_identity',
        /not the HMAC-SHA256/,
      ],
      [
        'a signature made with another secret',
        { userId: 'member-7', signature: signIdentity('member-7', 'wrong-secret') },
        401,
        'invalid_identity',
        /not the HMAC-SHA256/,
      ],
      [
        'a signature that is not hex',
        { userId: 'member-7', signature: 'z'.repeat(64) },
        400,
        'invalid_request',
        /"identity.signature" must be the hex HMAC-SHA256/,
      ],
    ])('refuses %s and changes nothing', async (_case, identity, status, code, message) => {
      const before = await api.snapshot();
      const response = await api.request('POST', '/api/session', {
        body: { room: 'members-only', name: 'Guest', ...(identity ? { identity } : {}) },
      });
      expect(response.status).toBe(status);
      expect(response.body.error).toMatchObject({
        code,
        message: expect.stringMatching(message),
        requestId: expect.any(String),
      });
      expect(await api.snapshot()).toEqual(before);
    });

    it('refuses a guest token of the room on refresh', async () => {
      const guest = issueRoomToken({
        secret: TEST_JWT_SECRET,
        roomId: 'members-only',
        participantId: 'guest:old',
        role: 'guest',
        name: 'Old',
        ttlSeconds: 600,
      });
      const response = await api.request('POST', '/api/session', {
        token: guest.token,
        body: { room: 'members-only', name: 'Old' },
      });
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('identity_required');
    });
  });

  it('does not create a room whose server defaults refuse guests', async () => {
    const closed = await api.variant({
      rooms: Object.assign(Object.create(api.orchestrator) as typeof api.orchestrator, {
        settingsOf: (room: Room) => ({ ...api.orchestrator.settingsOf(room), guestAccess: false }),
      }),
    });
    const before = await api.snapshot();
    const response = await closed.request('POST', '/api/session', {
      body: { room: 'brand-new', name: 'Guest' },
    });
    expect(response.status).toBe(403);
    expect(await api.store.rooms.getRoom('brand-new')).toBeNull();
    expect(await api.snapshot()).toEqual(before);
  });

  it.each([
    ['a missing name', { room: 'valid-room' }, /"name" is required/],
    ['an empty name', { room: 'valid-room', name: '   ' }, /"name" must not be empty/],
    [
      'a name of 41 characters',
      { room: 'valid-room', name: 'x'.repeat(41) },
      /"name" must be at most 40 characters/,
    ],
    [
      'a name with a control character',
      { room: 'valid-room', name: 'Eve\u0007' },
      /"name" must not contain control/,
    ],
    [
      'a name with a bidi override',
      { room: 'valid-room', name: 'Eve\u202e' },
      /"name" must not contain control/,
    ],
    ['a name that is not text', { room: 'valid-room', name: 42 }, /"name" must be text/],
    ['an invalid room id', { room: 'no spaces', name: 'Eve' }, /"room" must be 1–64 characters/],
    [
      'a room id of 65 characters',
      { room: 'r'.repeat(65), name: 'Eve' },
      /"room" must be 1–64 characters/,
    ],
    [
      'an unknown field',
      { room: 'valid-room', name: 'Eve', admin: true },
      /The request body has an unknown field "admin"/,
    ],
    [
      'an identity without signature',
      { room: 'valid-room', name: 'Eve', identity: { userId: 'u' } },
      /"identity.signature" is required/,
    ],
    ['a body that is a list', [], /The request body must be a JSON object/],
  ])('refuses %s with 400 invalid_request and changes nothing', async (_case, body, message) => {
    const before = await api.snapshot();
    const response = await api.request('POST', '/api/session', { body });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(message),
    });
    expect(await api.snapshot()).toEqual(before);
  });

  it('refuses identities when the server has no identity secret', async () => {
    const bare = await api.variant({ identitySecret: null });
    const identity = { userId: 'u1', signature: signIdentity('u1', IDENTITY_SECRET) };
    const response = await bare.request('POST', '/api/session', {
      body: { room: 'no-secret-room', name: 'U', identity },
    });
    expect(response.status).toBe(401);
    expect(response.body.error.message).toMatch(/CHORUS_IDENTITY_SECRET is not set/);
    expect(await api.store.rooms.getRoom('no-secret-room')).toBeNull();
  });

  it('honours a configured token lifetime', async () => {
    const short = await api.variant({ sessionTtlSeconds: 120 });
    const response = await short.request('POST', '/api/session', {
      body: { room: 'ttl-room', name: 'T' },
    });
    const claims = verifyJwt(response.body.token, TEST_JWT_SECRET);
    expect(claims.exp - nowSeconds()).toBeGreaterThan(110);
    expect(claims.exp - nowSeconds()).toBeLessThanOrEqual(120);
  });
});

describe('host identity JWTs', () => {
  const inAnHour = () => nowSeconds() + 3600;
  const identityToken = (claims: Record<string, unknown>, secret = IDENTITY_SECRET) =>
    signJwt({ sub: 'jwt-user-1', name: 'Jay (Acme)', exp: inAnHour(), ...claims }, secret);
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('admits a valid identity JWT as the same host-verified user as the HMAC form, with the name it signs', async () => {
    const jwt = await api.session('jwt-room', 'Typed name', { identity: identityToken({}) });
    expect(jwt.participant).toEqual({
      id: 'user:jwt-user-1',
      name: 'Jay (Acme)',
      role: 'member',
    });
    const hmac = await api.session('jwt-room', 'Jay', {
      identity: { userId: 'jwt-user-1', signature: signIdentity('jwt-user-1', IDENTITY_SECRET) },
    });
    expect(hmac.participant.id).toBe('user:jwt-user-1');
    // A room for verified users only admits it; its `role` becomes the token's (`chorus_role`).
    await api.store.rooms.ensureRoom({
      id: 'jwt-members',
      title: 'Members',
      settings: { guestAccess: false },
    });
    const operator = await api.session('jwt-members', 'x', {
      identity: identityToken({ role: 'operator', exp: nowSeconds() + 24 * 3600 }),
    });
    expect(operator.participant).toEqual({
      id: 'user:jwt-user-1',
      name: 'Jay (Acme)',
      role: 'operator',
    });
    expect(verifyJwt(operator.token, TEST_JWT_SECRET)).toMatchObject({
      role: 'authenticated',
      chorus_role: 'operator',
      sub: 'user:jwt-user-1',
    });
  });

  it('cuts a signed name longer than 40 characters by code point, never splitting an emoji', async () => {
    const { participant } = await api.session('jwt-room', 'x', {
      identity: identityToken({ name: `${'x'.repeat(39)}😀😀` }),
    });
    expect(participant.name).toBe(`${'x'.repeat(39)}😀`);
  });

  it.each([
    [
      'an expired token',
      () => identityToken({ exp: nowSeconds() - 5 }),
      'identity_expired',
      /expired 5 seconds ago/,
    ],
    [
      'an exp more than 24 hours ahead',
      () => identityToken({ exp: nowSeconds() + 25 * 3600 }),
      'identity_expiry_too_far',
      /more than 24 hours ahead/,
    ],
    [
      'no exp',
      () => signJwt({ sub: 'jwt-user-1', name: 'Jay' }, IDENTITY_SECRET),
      'invalid_identity',
      /needs an "exp" claim/,
    ],
    [
      'HS512',
      () =>
        `${segment({ alg: 'HS512', typ: 'JWT' })}.${segment({ sub: 'u', name: 'U', exp: inAnHour() })}.${'a'.repeat(86)}`,
      'identity_algorithm_not_allowed',
      /HS256/,
    ],
    [
      'alg none',
      () => `${segment({ alg: 'none' })}.${segment({ sub: 'u', name: 'U', exp: inAnHour() })}.`,
      'identity_algorithm_not_allowed',
      /HS256/,
    ],
    [
      'another secret',
      () => identityToken({}, 'another-host-secret-that-is-long-enough-0123'),
      'invalid_identity',
      /not signed with the identity secret/,
    ],
    [
      'a role that does not exist',
      () => identityToken({ role: 'owner' }),
      'invalid_identity',
      /"role" must be one of member, operator, admin/,
    ],
    [
      'no sub',
      () => identityToken({ sub: undefined }),
      'invalid_identity',
      /"sub" must be the user id/,
    ],
    [
      'an invisible name',
      () => identityToken({ name: '\u200b\u2060' }),
      'invalid_identity',
      /"name" must be the user's display name/,
    ],
  ])(
    'refuses %s with 401 and a clear code, changing nothing',
    async (_case, token, code, message) => {
      const before = await api.snapshot();
      const response = await api.request('POST', '/api/session', {
        body: { room: 'jwt-refused', name: 'Guest', identity: token() },
      });
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({
        code,
        message: expect.stringMatching(message),
        requestId: expect.any(String),
      });
      expect(await api.snapshot()).toEqual(before);
    },
  );

  it('refuses an identity that is neither a JWT nor { userId, signature } with 400', async () => {
    for (const [identity, message] of [
      ['not-a-jwt', /"identity" must be an identity JWT/],
      [42, /"identity" must be text or a JSON object/],
    ] as const) {
      const response = await api.request('POST', '/api/session', {
        body: { room: 'jwt-refused', name: 'Guest', identity },
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(message),
      });
    }
  });
});

describe('display names', () => {
  it.each([
    ['only zero-width characters', '\u200b\u200c\u200d\u2060\ufeff'],
    ['a Hangul filler', '\u3164'],
    ['spaces around a zero-width space', ' \u200b '],
  ])('refuses a name of %s with 400 and changes nothing', async (_case, name) => {
    const before = await api.snapshot();
    const response = await api.request('POST', '/api/session', {
      body: { room: 'names-room', name },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/"name" must (have a visible character|not be empty)/),
    });
    expect(await api.snapshot()).toEqual(before);
  });

  it.each([
    ['Ada'],
    ['ada'],
    ['ADA'],
    [' Ada\u200b '],
    ['@ada'],
    ['Ａｄａ'],
    ['bob'],
    ['BOB\u2060'],
  ])(
    'refuses "%s", the name or handle of an agent in the room, with 409 name_taken and changes nothing',
    async (name) => {
      const before = await api.snapshot();
      const response = await api.request('POST', '/api/session', {
        body: { room: 'names-room', name },
      });
      expect(response.status).toBe(409);
      expect(response.body.error).toMatchObject({
        code: 'name_taken',
        message: expect.stringMatching(
          /is the name of this room's agent (Ada \(@ada\)|Bob \(@bob\))/,
        ),
      });
      expect(await api.snapshot()).toEqual(before);
    },
  );

  it("refuses an agent's name on refresh and from a host identity too", async () => {
    const { token } = await api.session('names-room', 'Grace');
    const refreshed = await api.request('POST', '/api/session', {
      token,
      body: { room: 'names-room', name: 'Ada' },
    });
    expect(refreshed.status).toBe(409);
    const identity = {
      userId: 'u-ada',
      signature: signIdentity('u-ada', IDENTITY_SECRET),
      name: 'Bob',
    };
    expect(
      (
        await api.request('POST', '/api/session', {
          body: { room: 'names-room', name: 'x', identity },
        })
      ).status,
    ).toBe(409);
  });

  it('accepts names that only resemble an agent, and counts length by code point', async () => {
    for (const name of ['Ada Lovelace', 'Adam', 'Bobby', '👩‍💻', 'Zoë']) {
      expect((await api.session('names-room', name)).participant.name).toBe(name);
    }
    expect((await api.session('names-room', '😀'.repeat(40))).participant.name).toBe(
      '😀'.repeat(40),
    );
    const tooLong = await api.request('POST', '/api/session', {
      body: { room: 'names-room', name: '😀'.repeat(41) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/"name" must be at most 40 characters/);
  });
});

describe('the realtime URL given to browsers', () => {
  const fromHost = (options: Parameters<ApiHarness['variant']>[0] = {}) =>
    api.variant({ realtime: { url: null, anonKey: api.hub.anonKey }, ...options });

  it('is the configured one whatever the Host', async () => {
    const response = await api.request('POST', '/api/session', {
      headers: { host: 'evil.example' },
      body: { room: 'url-room', name: 'U' },
    });
    expect(response.status).toBe(200);
    expect(response.body.realtime.url).toBe(api.hub.realtimeUrl);
  });

  it('without configuration, is built from a loopback Host, the HOST setting or an allowed origin', async () => {
    const local = await fromHost();
    const session = (variant: Awaited<ReturnType<typeof fromHost>>, host: string) =>
      variant.request('POST', '/api/session', {
        headers: { host },
        body: { room: 'url-room', name: 'U' },
      });
    expect((await session(local, 'localhost:8787')).body.realtime.url).toBe(
      'ws://localhost:8787/realtime/v1',
    );
    expect((await session(local, '127.0.0.1:9000')).body.realtime.url).toBe(
      'ws://127.0.0.1:9000/realtime/v1',
    );
    expect((await session(local, '[::1]:8787')).body.realtime.url).toBe(
      'ws://[::1]:8787/realtime/v1',
    );
    const named = await fromHost({
      listenHost: 'chat.internal',
      allowedOrigins: parseAllowedOrigins('https://chat.example.com'),
    });
    expect((await session(named, 'chat.internal:8787')).body.realtime.url).toBe(
      'ws://chat.internal:8787/realtime/v1',
    );
    expect((await session(named, 'chat.example.com')).body.realtime.url).toBe(
      'wss://chat.example.com/realtime/v1',
    );
  });

  it.each([
    'evil.example',
    'evil.example:8787',
    'localhost.evil.example',
    'localhost/evil',
    'localhost:8787@evil.example',
  ])(
    'without configuration, refuses Host "%s" with 400 host_not_allowed and changes nothing',
    async (host) => {
      const local = await fromHost({ listenHost: '0.0.0.0' });
      const before = await api.snapshot();
      const response = await local.request('POST', '/api/session', {
        headers: { host },
        body: { room: 'url-refused', name: 'U' },
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({
        code: 'host_not_allowed',
        message: expect.stringMatching(/set CHORUS_PUBLIC_URL/),
      });
      expect(response.text).not.toContain('ws://evil');
      expect(await api.snapshot()).toEqual(before);
    },
  );
});

describe('titleFromRoomId', () => {
  it.each([
    ['support-desk', 'Support desk'],
    ['launch_plan--2', 'Launch plan 2'],
    ['x', 'X'],
    ['---', '---'],
  ])('%s -> %s', (id, title) => {
    expect(titleFromRoomId(id)).toBe(title);
  });
});
