/**
 * Supabase Auth users as identity over REST (docs/architecture.md §6, §8): a site that signs its
 * users in with Supabase Auth passes `session.access_token` as `identity`. The project's keys are
 * a real JWKS served over HTTP (ES256, RS256) and its legacy HS256 secret.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentity } from '../../server/auth/identity.ts';
import { signJwt, verifyJwt } from '../../server/auth/jwt.ts';
import { SupabaseAuthVerifier } from '../../server/auth/supabase-auth.ts';
import { startChorusServer } from '../helpers/chorus-server.ts';
import { nowSeconds, TEST_JWT_SECRET } from '../helpers/hub.ts';
import { startSupabaseProject, type SupabaseProject } from '../helpers/supabase-project.ts';
import { ADMIN_KEY, IDENTITY_SECRET, startApi, type ApiHarness } from './api-harness.ts';

let api: ApiHarness;
let project: SupabaseProject;

beforeAll(async () => {
  project = await startSupabaseProject();
  api = await startApi({ supabaseAuth: new SupabaseAuthVerifier(project.settings()) });
});
afterAll(async () => {
  await api.close();
  await project.close();
});

interface Session {
  token: string;
  participant: { id: string; name: string; role: string };
  room: { id: string; parent: string | null; kind: string };
}

async function supportRoom(settings: Record<string, unknown> = {}): Promise<string> {
  const id = `help-${randomUUID().slice(0, 8)}`;
  const saved = await api.request('PUT', `/api/admin/rooms/${id}`, {
    token: ADMIN_KEY,
    body: { title: 'Help desk', kind: 'support', ...settings },
  });
  expect(saved.status, saved.text).toBe(201);
  return id;
}

async function session(room: string, name: string, identity: unknown): Promise<Session> {
  const response = await api.request('POST', '/api/session', { body: { room, name, identity } });
  expect(response.status, response.text).toBe(200);
  return response.body as Session;
}

describe('Supabase Auth access tokens as identity', () => {
  it('admits HS256 and ES256 tokens of one user as one member with one conversation on every device', async () => {
    const room = await supportRoom();
    const sub = randomUUID();
    const user = { sub, user_metadata: { full_name: 'Ada Lovelace' } };
    const laptop = await session(
      room,
      'typed name',
      await project.accessToken(user, { alg: 'HS256' }),
    );
    const phone = await session(room, 'typed name', await project.accessToken(user));
    const tablet = await session(
      room,
      'typed name',
      await project.accessToken(user, { alg: 'RS256' }),
    );
    for (const device of [laptop, phone, tablet]) {
      expect(device.participant).toEqual({
        id: `supabase:${sub}`,
        name: 'Ada Lovelace',
        role: 'member',
      });
      expect(device.room).toMatchObject({ id: laptop.room.id, parent: room, kind: 'support' });
    }
    expect(laptop.room.id).not.toBe(room);
    expect(verifyJwt(phone.token, TEST_JWT_SECRET)).toMatchObject({
      role: 'authenticated',
      chorus_role: 'member',
      sub: `supabase:${sub}`,
      room: laptop.room.id,
    });
    // Another user gets another conversation.
    const other = await session(room, 'Bea', await project.accessToken());
    expect(other.room.id).not.toBe(laptop.room.id);
  });

  it('makes a Supabase user a member whatever its claims say, and names it as the widget does without metadata', async () => {
    const room = await supportRoom();
    const token = await project.accessToken({
      app_metadata: { provider: 'email', role: 'admin', chorus_role: 'operator' },
      user_metadata: { role: 'operator' },
      chorus_role: 'admin',
    });
    const visitor = await session(room, 'Grace', token);
    expect(visitor.participant).toMatchObject({ name: 'Grace', role: 'member' });
    expect(visitor.room.parent).toBe(room); // its own conversation: staff would get the room itself
  });

  it('keeps Supabase users apart from host-signed users of the same id', async () => {
    const room = await supportRoom();
    const sub = randomUUID();
    const supabase = await session(room, 'Cy', await project.accessToken({ sub }));
    const host = await session(room, 'Cy', {
      userId: sub,
      signature: signIdentity(sub, IDENTITY_SECRET),
    });
    expect(supabase.participant.id).toBe(`supabase:${sub}`);
    expect(host.participant.id).toBe(`user:${sub}`);
    expect(host.room.id).not.toBe(supabase.room.id);
    // Host identity JWTs still go to the identity secret.
    const hostJwt = signJwt({ sub, name: 'Cy', exp: nowSeconds() + 600 }, IDENTITY_SECRET);
    expect((await session(room, 'x', hostJwt)).participant.id).toBe(`user:${sub}`);
  });

  it('makes an anonymous Supabase sign-in a guest, refused where only verified users may enter', async () => {
    const room = await supportRoom();
    const token = await project.accessToken({ is_anonymous: true });
    const anonymous = await session(room, 'Dee', token);
    expect(anonymous.participant).toMatchObject({ role: 'guest' });
    expect(anonymous.participant.id).toMatch(/^supabase:/);
    const closed = await supportRoom({ guestAccess: false });
    const refused = await api.request('POST', '/api/session', {
      body: { room: closed, name: 'Dee', identity: token },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('identity_required');
  });

  const inAMinute = () => nowSeconds() + 60;
  const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it.each([
    [
      'a forged token (another key, same kid)',
      () => project.accessToken({}, { key: 'forged' }),
      'invalid_identity',
      /not signed with the project's keys/,
    ],
    [
      'a forged HS256 token',
      () => project.accessToken({}, { alg: 'HS256', key: 'forged' }),
      'invalid_identity',
      /not signed with the project's keys/,
    ],
    [
      'an expired token',
      () => project.accessToken({ exp: nowSeconds() - 10 }),
      'identity_expired',
      /expired 1\d seconds ago/,
    ],
    [
      'a token of another project',
      () => project.accessToken({ iss: 'https://other.supabase.co/auth/v1' }),
      'invalid_identity',
      /issued by "https:\/\/other.supabase.co\/auth\/v1"/,
    ],
    [
      'another audience',
      () => project.accessToken({ aud: 'public' }),
      'invalid_identity',
      /audience/,
    ],
    [
      'the anon role',
      () => project.accessToken({ role: 'anon' }),
      'invalid_identity',
      /"role" is "anon"/,
    ],
    [
      'an unknown kid',
      () => project.accessToken({}, { kid: 'retired-key' }),
      'invalid_identity',
      /"kid"/,
    ],
    [
      'alg none',
      async () =>
        `${segment({ alg: 'none' })}.${segment({ iss: project.issuer, sub: 'u', aud: 'authenticated', role: 'authenticated', exp: inAMinute() })}.`,
      'identity_algorithm_not_allowed',
      /"none"/,
    ],
    [
      'a Supabase API key',
      async () =>
        signJwt(
          { iss: 'supabase', ref: 'abc', role: 'anon', exp: inAMinute() },
          project.legacySecret,
        ),
      'invalid_identity',
      /Supabase API key .* not a user's access token/,
    ],
  ] as const)(
    'refuses %s with 401 and the error body, changing nothing',
    async (_case, token, code, message) => {
      const room = await supportRoom();
      const before = await api.snapshot();
      const response = await api.request('POST', '/api/session', {
        body: { room, name: 'Eve', identity: await token() },
      });
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await api.snapshot()).toEqual(before);
    },
  );

  it('refuses HS256 tokens where only the JWKS is configured, and Supabase tokens where none is', async () => {
    const room = await supportRoom();
    const jwksOnly = await api.variant({
      supabaseAuth: new SupabaseAuthVerifier(project.settings({ jwtSecret: null })),
    });
    const none = await api.variant({ supabaseAuth: null });
    const before = await api.snapshot();
    const hs256 = await jwksOnly.request('POST', '/api/session', {
      body: { room, name: 'Eve', identity: await project.accessToken({}, { alg: 'HS256' }) },
    });
    expect(hs256.status).toBe(401);
    expect(hs256.body.error).toMatchObject({
      code: 'identity_algorithm_not_allowed',
      message: expect.stringMatching(/CHORUS_SUPABASE_JWT_SECRET/),
    });
    const unconfigured = await none.request('POST', '/api/session', {
      body: { room, name: 'Eve', identity: await project.accessToken() },
    });
    expect(unconfigured.status).toBe(401);
    expect(unconfigured.body.error).toMatchObject({
      code: 'invalid_identity',
      message: expect.stringMatching(/does not accept Supabase Auth access tokens/),
    });
    expect(await api.snapshot()).toEqual(before);
    const es256 = await jwksOnly.request('POST', '/api/session', {
      body: { room, name: 'Eve', identity: await project.accessToken() },
    });
    expect(es256.status, es256.text).toBe(200);
  });

  it('answers 503 when the signing keys cannot be fetched, changing nothing and logging no token', async () => {
    const down = await startSupabaseProject();
    try {
      down.setFailing(true);
      const variant = await api.variant({
        supabaseAuth: new SupabaseAuthVerifier(down.settings()),
      });
      const room = await supportRoom();
      const before = await api.snapshot();
      const token = await down.accessToken();
      const response = await variant.request('POST', '/api/session', {
        body: { room, name: 'Eve', identity: token },
      });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('identity_keys_unavailable');
      expect(await api.snapshot()).toEqual(before);
      const logged = JSON.stringify(api.logs);
      expect(logged).not.toContain(token);
      expect(logged).not.toContain(down.legacySecret);
    } finally {
      await down.close();
    }
  });
});

describe('the server as npm start runs it, with CHORUS_SUPABASE_URL and CHORUS_SUPABASE_JWT_SECRET', () => {
  it("accepts the project users' ES256 and HS256 tokens as one member", async () => {
    const server = await startChorusServer({
      env: {
        CHORUS_SUPABASE_URL: project.url,
        CHORUS_SUPABASE_JWT_SECRET: project.legacySecret,
      },
    });
    try {
      const sub = randomUUID();
      const ids: string[] = [];
      for (const alg of ['ES256', 'HS256'] as const) {
        const response = await fetch(`${server.url}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            room: 'lobby',
            name: 'Ada',
            identity: await project.accessToken({ sub }, { alg }),
          }),
        });
        const body = (await response.json()) as Session;
        expect(response.status, JSON.stringify(body)).toBe(200);
        expect(body.participant.role).toBe('member');
        ids.push(body.participant.id);
      }
      expect(ids).toEqual([`supabase:${sub}`, `supabase:${sub}`]);
    } finally {
      await server.close();
    }
  }, 60_000);
});
