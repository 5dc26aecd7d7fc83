/**
 * A Supabase project's Auth, as far as Chorus sees it: a real HTTP server serving the project's
 * JWKS at `/auth/v1/.well-known/jwks.json` (an ES256 and an RS256 key generated with jose), its
 * legacy JWT secret, and access tokens signed as Supabase Auth signs them (its claims: `iss`,
 * `sub`, `aud`, `role`, `user_metadata`, `is_anonymous`…).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { SupabaseAuthSettings } from '../../server/auth/supabase-auth.ts';
import { nowSeconds } from './hub.ts';

export type SigningKey = 'ES256' | 'RS256' | 'HS256';

export interface SupabaseProject {
  /** The project URL (`CHORUS_SUPABASE_URL`). */
  url: string;
  issuer: string;
  jwksUrl: string;
  legacySecret: string;
  /** How many times the JWKS was fetched. */
  jwksRequests(): number;
  /** Makes the JWKS endpoint answer 500 (true) or the keys (false). */
  setFailing(failing: boolean): void;
  /** The verifier's settings for this project (JWKS and legacy secret unless overridden). */
  settings(overrides?: Partial<SupabaseAuthSettings>): SupabaseAuthSettings;
  /**
   * An access token for a user of this project. `claims` replace the defaults (`undefined`
   * removes one); `key: 'forged'` signs with a key of the same `kid` that is not the project's.
   */
  accessToken(
    claims?: Record<string, unknown>,
    options?: { alg?: SigningKey; key?: 'project' | 'forged'; kid?: string | null },
  ): Promise<string>;
  close(): Promise<void>;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  forged: CryptoKey;
}

async function keyPair(alg: 'ES256' | 'RS256'): Promise<KeyPair> {
  const [{ privateKey, publicKey }, other] = await Promise.all([
    generateKeyPair(alg, { extractable: true }),
    generateKeyPair(alg),
  ]);
  const kid = randomUUID();
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig', key_ops: ['verify'] },
    forged: other.privateKey,
  };
}

export async function startSupabaseProject(): Promise<SupabaseProject> {
  const [es256, rs256] = await Promise.all([keyPair('ES256'), keyPair('RS256')]);
  const legacySecret = `super-secret-jwt-token-with-at-least-32-characters-${randomUUID()}`;
  let requests = 0;
  let failing = false;
  const server = http.createServer((request, response) => {
    if (request.url !== '/auth/v1/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    requests += 1;
    if (failing) {
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"down"}');
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: [es256.publicJwk, rs256.publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${url}/auth/v1`;
  const jwksUrl = `${issuer}/.well-known/jwks.json`;

  return {
    url,
    issuer,
    jwksUrl,
    legacySecret,
    jwksRequests: () => requests,
    setFailing: (value) => {
      failing = value;
    },
    settings: (overrides = {}) => ({
      issuer,
      audience: 'authenticated',
      jwksUrl,
      jwtSecret: legacySecret,
      ...overrides,
    }),
    async accessToken(claims = {}, options = {}) {
      const now = nowSeconds();
      const payload = Object.fromEntries(
        Object.entries({
          iss: issuer,
          sub: randomUUID(),
          aud: 'authenticated',
          exp: now + 3600,
          iat: now,
          email: 'ada@example.com',
          phone: '',
          app_metadata: { provider: 'email', providers: ['email'] },
          user_metadata: { email_verified: true },
          role: 'authenticated',
          aal: 'aal1',
          amr: [{ method: 'password', timestamp: now }],
          session_id: randomUUID(),
          is_anonymous: false,
          ...claims,
        }).filter(([, value]) => value !== undefined),
      );
      const alg = options.alg ?? 'ES256';
      if (alg === 'HS256') {
        const secret = options.key === 'forged' ? `${legacySecret}-but-another-one` : legacySecret;
        return new SignJWT(payload)
          .setProtectedHeader({ alg, typ: 'JWT' })
          .sign(new TextEncoder().encode(secret));
      }
      const pair = alg === 'ES256' ? es256 : rs256;
      const kid = options.kid === undefined ? pair.kid : options.kid;
      return new SignJWT(payload)
        .setProtectedHeader({ alg, typ: 'JWT', ...(kid === null ? {} : { kid }) })
        .sign(options.key === 'forged' ? pair.forged : pair.privateKey);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
