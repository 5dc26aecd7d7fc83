import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from './jwt.ts';
import { IdentityError } from './identity.ts';
import {
  isSupabaseAuthToken,
  SupabaseAuthVerifier,
  SupabaseKeysUnavailableError,
} from './supabase-auth.ts';
import { nowSeconds } from '../../test/helpers/hub.ts';
import { startSupabaseProject, type SupabaseProject } from '../../test/helpers/supabase-project.ts';

let project: SupabaseProject;
beforeAll(async () => {
  project = await startSupabaseProject();
});
afterAll(async () => {
  await project.close();
});

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The code and message a token is refused with. */
async function refusal(verifier: SupabaseAuthVerifier, token: string) {
  const error: unknown = await verifier.verify(token).then(
    () => new Error('accepted'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof IdentityError || error instanceof SupabaseKeysUnavailableError)) {
    throw error;
  }
  return { status: error.status, code: error.code, message: error.message };
}

describe('SupabaseAuthVerifier', () => {
  it.each(['ES256', 'RS256', 'HS256'] as const)(
    'accepts a signed-in user token signed with %s, with the user id and metadata name',
    async (alg) => {
      const verifier = new SupabaseAuthVerifier(project.settings());
      const token = await project.accessToken(
        { sub: 'a6f4c7d2-0000-4000-8000-000000000001', user_metadata: { full_name: ' Ada L. ' } },
        { alg },
      );
      await expect(verifier.verify(token)).resolves.toEqual({
        userId: 'a6f4c7d2-0000-4000-8000-000000000001',
        name: 'Ada L.',
        anonymous: false,
      });
    },
  );

  it('takes user_metadata.name when there is no full_name, and no name when neither is usable', async () => {
    const verifier = new SupabaseAuthVerifier(project.settings());
    const named = await project.accessToken({ user_metadata: { name: 'Bea' } });
    expect((await verifier.verify(named)).name).toBe('Bea');
    const invisible = await project.accessToken({
      user_metadata: { full_name: '\u200b', name: 42 },
    });
    expect((await verifier.verify(invisible)).name).toBeNull();
    const anonymous = await project.accessToken({ is_anonymous: true, user_metadata: {} });
    expect(await verifier.verify(anonymous)).toMatchObject({ name: null, anonymous: true });
  });

  it('fetches the JWKS once for many tokens and keys', async () => {
    const fresh = await startSupabaseProject();
    try {
      const verifier = new SupabaseAuthVerifier(fresh.settings());
      for (const alg of ['ES256', 'RS256', 'ES256', 'RS256'] as const) {
        await verifier.verify(await fresh.accessToken({}, { alg }));
      }
      await verifier.verify(await fresh.accessToken({}, { alg: 'HS256' }));
      expect(fresh.jwksRequests()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it.each([
    [
      'an expired token',
      { exp: nowSeconds() - 30 },
      {},
      'identity_expired',
      /expired 3\d seconds ago/,
    ],
    ['a token not valid yet', { nbf: nowSeconds() + 600 }, {}, 'invalid_identity', /not valid yet/],
    [
      'a token issued in the future',
      { iat: nowSeconds() + 600 },
      {},
      'invalid_identity',
      /not valid yet/,
    ],
    [
      "another project's token",
      { iss: 'https://other.supabase.co/auth/v1' },
      {},
      'invalid_identity',
      /issued by "https:\/\/other.supabase.co\/auth\/v1"; this server accepts tokens of http:\/\/127/,
    ],
    [
      'another audience',
      { aud: 'anon-users' },
      {},
      'invalid_identity',
      /audience \("aud"\) is not "authenticated"/,
    ],
    ['no audience', { aud: undefined }, {}, 'invalid_identity', /"aud"/],
    ['the anon role', { role: 'anon' }, {}, 'invalid_identity', /"role" is "anon"/],
    [
      'the service role',
      { role: 'service_role' },
      {},
      'invalid_identity',
      /"role" is "service_role"/,
    ],
    ['no sub', { sub: undefined }, {}, 'invalid_identity', /"sub"/],
    ['no exp', { exp: undefined }, {}, 'invalid_identity', /"exp"/],
    [
      'a forged ES256 signature',
      {},
      { key: 'forged' },
      'invalid_identity',
      /not signed with the project's keys/,
    ],
    [
      'a forged RS256 signature',
      {},
      { alg: 'RS256', key: 'forged' },
      'invalid_identity',
      /not signed with the project's keys/,
    ],
    [
      'a forged HS256 signature',
      {},
      { alg: 'HS256', key: 'forged' },
      'invalid_identity',
      /not signed with the project's keys/,
    ],
    [
      'an unknown kid',
      {},
      { kid: 'rotated-away' },
      'invalid_identity',
      /"kid"\) is not one of the project's keys/,
    ],
    ['no kid', {}, { kid: null }, 'invalid_identity', /names no signing key/],
  ] as const)('refuses %s', async (_case, claims, options, code, message) => {
    const verifier = new SupabaseAuthVerifier(project.settings());
    const token = await project.accessToken(claims, options);
    const refused = await refusal(verifier, token);
    expect(refused).toMatchObject({ status: 401, code });
    expect(refused.message).toMatch(message);
  });

  it('refuses alg none, other algorithms, and HS256 when only the JWKS is configured', async () => {
    const verifier = new SupabaseAuthVerifier(project.settings());
    const claims = {
      iss: project.issuer,
      sub: 'u',
      aud: 'authenticated',
      role: 'authenticated',
      exp: nowSeconds() + 60,
    };
    const none = `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims)}.`;
    expect(await refusal(verifier, none)).toMatchObject({
      status: 401,
      code: 'identity_algorithm_not_allowed',
      message: expect.stringMatching(/ES256, RS256, HS256 \(its "alg" is "none"\)/),
    });
    const hs512 = `${segment({ alg: 'HS512', typ: 'JWT' })}.${segment(claims)}.${'a'.repeat(86)}`;
    expect((await refusal(verifier, hs512)).code).toBe('identity_algorithm_not_allowed');

    const jwksOnly = new SupabaseAuthVerifier(project.settings({ jwtSecret: null }));
    const hs256 = await project.accessToken({}, { alg: 'HS256' });
    expect(await refusal(jwksOnly, hs256)).toMatchObject({
      status: 401,
      code: 'identity_algorithm_not_allowed',
      message: expect.stringMatching(
        /JWKS \(ES256, RS256\) only: an HS256 token needs CHORUS_SUPABASE_JWT_SECRET/,
      ),
    });
    await expect(jwksOnly.verify(await project.accessToken())).resolves.toMatchObject({
      anonymous: false,
    });
  });

  it('says the keys are unavailable (503) when the JWKS cannot be fetched, and recovers', async () => {
    const fresh = await startSupabaseProject();
    try {
      const verifier = new SupabaseAuthVerifier(fresh.settings());
      fresh.setFailing(true);
      const token = await fresh.accessToken();
      expect(await refusal(verifier, token)).toMatchObject({
        status: 503,
        code: 'identity_keys_unavailable',
      });
      // HS256 tokens need no keys from the network.
      await verifier.verify(await fresh.accessToken({}, { alg: 'HS256' }));
      fresh.setFailing(false);
      await expect(verifier.verify(token)).resolves.toMatchObject({ anonymous: false });
    } finally {
      await fresh.close();
    }
  });

  it('never lets the host identity secret or a Chorus token stand in for the project keys', async () => {
    const verifier = new SupabaseAuthVerifier(project.settings());
    const claims = {
      iss: project.issuer,
      sub: 'u',
      aud: 'authenticated',
      role: 'authenticated',
      exp: nowSeconds() + 60,
    };
    const hostSigned = signJwt(claims, 'host-identity-secret-for-tests-0123456789');
    expect((await refusal(verifier, hostSigned)).message).toMatch(
      /not signed with the project's keys/,
    );
    // A room token Chorus signed with the same secret as the project's (an external Realtime).
    const roomToken = signJwt(
      {
        iss: 'chorus',
        sub: 'guest:1',
        role: 'authenticated',
        room: 'r',
        name: 'x',
        exp: nowSeconds() + 60,
      },
      project.legacySecret,
    );
    expect((await refusal(verifier, roomToken)).message).toMatch(/issued by "chorus"/);
  });
});

describe('isSupabaseAuthToken', () => {
  it('routes by issuer: this project, any Supabase Auth issuer, Supabase API keys; nothing else', () => {
    const token = (claims: Record<string, unknown>) => signJwt(claims, 'any-secret');
    const issuer = 'https://abc.supabase.co/auth/v1';
    expect(isSupabaseAuthToken(token({ iss: issuer }), issuer)).toBe(true);
    expect(isSupabaseAuthToken(token({ iss: 'https://xyz.supabase.co/auth/v1' }), issuer)).toBe(
      true,
    );
    expect(isSupabaseAuthToken(token({ iss: 'supabase', role: 'anon' }), issuer)).toBe(true);
    expect(isSupabaseAuthToken(token({ iss: 'https://auth.example.com/auth/v1' }), null)).toBe(
      true,
    );
    expect(isSupabaseAuthToken(token({ sub: 'host-user', name: 'H' }), issuer)).toBe(false);
    expect(isSupabaseAuthToken(token({ iss: 'https://shop.example.com' }), issuer)).toBe(false);
    expect(isSupabaseAuthToken(token({ iss: 'chorus' }), issuer)).toBe(false);
    expect(isSupabaseAuthToken('not.a.jwt', issuer)).toBe(false);
  });
});
