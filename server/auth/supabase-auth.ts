/**
 * Supabase Auth users as identity (docs/architecture.md §6, §8): a host site that signs its users
 * in with Supabase Auth passes the user's access token as `identity` to `POST /api/session`, and
 * Chorus checks it with the project's keys, as Supabase's `getClaims()` does: ES256/RS256 with the
 * project's JWKS (jose's `createRemoteJWKSet` fetches it on first use and caches it; again only
 * for an unknown `kid`, at most every 30 s, or after 10 minutes), HS256 with the legacy JWT secret
 * when `CHORUS_SUPABASE_JWT_SECRET` is set. The header picks the key (`alg`, `kid`) and the issuer
 * picks the verifier ({@link isSupabaseAuthToken}): no key is ever tried in turn, so the identity
 * secret never checks a Supabase token nor Supabase's keys a host-signed one. Each refusal is a
 * 401 {@link IdentityError}; keys that cannot be fetched a 503 {@link SupabaseKeysUnavailableError}.
 */
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import {
  hasVisibleCharacter,
  MAX_DISPLAY_NAME_LENGTH,
  UNSAFE_NAME_CHARACTERS,
} from '../../protocol/display-name.ts';
import { cutToCodePoints } from '../../protocol/text.ts';
import { AppError } from '../lib/app-error.ts';
import { isRecord } from '../lib/is-record.ts';
import { IDENTITY_ERROR, IdentityError } from './identity.ts';

/** Where a Supabase project's access tokens come from and what checks them (`server/config.ts`). */
export interface SupabaseAuthSettings {
  /** The `iss` of the project's access tokens: `<project URL>/auth/v1`. */
  issuer: string;
  /** The `aud` they must carry: `authenticated` for signed-in users. */
  audience: string;
  /** The project's JSON Web Key Set: `<issuer>/.well-known/jwks.json`. */
  jwksUrl: string;
  /** The project's legacy JWT secret, for HS256 tokens; null refuses HS256 tokens. */
  jwtSecret: string | null;
}

/** A Supabase Auth user whose access token checked out. */
export interface SupabaseUser {
  /** The auth user id (`sub`, a UUID). */
  userId: string;
  /** `user_metadata.full_name`, else `user_metadata.name`, when it is a usable display name. */
  name: string | null;
  /** An anonymous sign-in (`is_anonymous`): a stable id, but nobody vouched for. */
  anonymous: boolean;
}

/** What `POST /api/session` needs of a Supabase Auth verifier. */
export interface SupabaseAuth {
  readonly issuer: string;
  verify(token: string, nowMs?: number): Promise<SupabaseUser>;
}

/** The algorithms Supabase signs access tokens with from its asymmetric keys. */
export const SUPABASE_ASYMMETRIC_ALGORITHMS = ['ES256', 'RS256'] as const;
/** The role claim of a signed-in user's access token (the Postgres role RLS targets). */
export const SUPABASE_USER_ROLE = 'authenticated';
/** The issuer of Supabase's API keys (anon, service role): never a user's token. */
const SUPABASE_API_KEY_ISSUER = 'supabase';
/** Clock difference tolerated with the Auth server on `iat`. */
const CLOCK_SKEW_SECONDS = 60;
const MAX_USER_ID_LENGTH = 128;
const JWKS_TIMEOUT_MS = 5000;

/** A Supabase user's participant id: its own prefix, so it never meets a host-signed `user:<id>`. */
export function supabaseParticipantId(userId: string): string {
  return `supabase:${userId}`;
}

/** The signing keys could not be fetched (network, HTTP status, not a JWKS): a 503, retry later. */
export class SupabaseKeysUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super({
      name: 'SupabaseKeysUnavailableError',
      code: 'identity_keys_unavailable',
      message,
      status: 503,
      cause,
    });
  }
}

/**
 * Whether `token` is for the Supabase Auth verifier rather than the host identity JWT's: its
 * (unverified) `iss` is `issuer`, any Supabase Auth issuer (`…/auth/v1`) or Supabase's API-key
 * issuer. Only routes; nothing is trusted before the signature is checked.
 * @example if (isSupabaseAuthToken(body.identity, settings.issuer)) user = await supabaseAuth.verify(body.identity);
 */
export function isSupabaseAuthToken(token: string, issuer: string | null): boolean {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    return false;
  }
  if (typeof iss !== 'string') return false;
  return iss === issuer || iss === SUPABASE_API_KEY_ISSUER || /\/auth\/v1\/?$/.test(iss);
}

/**
 * Verifies Supabase Auth access tokens of one project.
 * @example
 * const supabaseAuth = new SupabaseAuthVerifier({ issuer: 'https://abc.supabase.co/auth/v1',
 *   audience: 'authenticated', jwksUrl: 'https://abc.supabase.co/auth/v1/.well-known/jwks.json', jwtSecret: null });
 * const { userId, name } = await supabaseAuth.verify(accessToken);
 */
export class SupabaseAuthVerifier implements SupabaseAuth {
  readonly issuer: string;
  private readonly jwks: JWTVerifyGetKey;
  private readonly secret: Uint8Array | null;

  constructor(
    private readonly settings: SupabaseAuthSettings,
    options: { timeoutMs?: number } = {},
  ) {
    this.issuer = settings.issuer;
    this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      timeoutDuration: options.timeoutMs ?? JWKS_TIMEOUT_MS,
    });
    this.secret = settings.jwtSecret === null ? null : new TextEncoder().encode(settings.jwtSecret);
  }

  /**
   * The user a Supabase access token is for. Throws an {@link IdentityError} (401) saying why a
   * token is refused, or a {@link SupabaseKeysUnavailableError} (503) when the JWKS cannot be had.
   */
  async verify(token: string, nowMs = Date.now()): Promise<SupabaseUser> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch (error) {
      throw new IdentityError(IDENTITY_ERROR.INVALID, '"identity" is not a valid JWT', error);
    }
    const algorithm = header.alg ?? 'none';
    const asymmetric = (SUPABASE_ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm);
    if (algorithm === 'HS256' && this.secret === null) {
      throw new IdentityError(
        IDENTITY_ERROR.ALGORITHM,
        "This server verifies Supabase access tokens with the project's JWKS (ES256, RS256) only: an HS256 token needs CHORUS_SUPABASE_JWT_SECRET, the project's legacy JWT secret",
      );
    }
    if (algorithm !== 'HS256' && !asymmetric) {
      throw new IdentityError(
        IDENTITY_ERROR.ALGORITHM,
        `A Supabase access token must be signed with ${[...SUPABASE_ASYMMETRIC_ALGORITHMS, ...(this.secret ? ['HS256'] : [])].join(', ')} (its "alg" is ${JSON.stringify(algorithm.slice(0, 20))})`,
      );
    }
    if (asymmetric && typeof header.kid !== 'string') {
      throw new IdentityError(
        IDENTITY_ERROR.INVALID,
        'The Supabase access token names no signing key ("kid")',
      );
    }
    if (unverified.iss !== this.issuer) {
      // Checked before the signature too, so another project's tokens cost no JWKS fetch.
      throw new IdentityError(IDENTITY_ERROR.INVALID, this.issuerMismatch(unverified.iss));
    }
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: [algorithm],
        issuer: this.issuer,
        audience: this.settings.audience,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'sub'],
      };
      payload = (
        asymmetric
          ? await jwtVerify(token, this.jwks, options)
          : await jwtVerify(token, this.secret!, options)
      ).payload;
    } catch (error) {
      throw this.refusal(error, unverified, nowMs, asymmetric);
    }
    return this.userOf(payload, nowMs);
  }

  private issuerMismatch(iss: unknown): string {
    if (iss === SUPABASE_API_KEY_ISSUER) {
      return "This is a Supabase API key (anon or service role), not a user's access token: pass session.access_token";
    }
    const shown = typeof iss === 'string' ? JSON.stringify(iss.slice(0, 100)) : 'no one';
    return `The Supabase access token is issued by ${shown}; this server accepts tokens of ${this.issuer}`;
  }

  /** The error a failed `jwtVerify` becomes. */
  private refusal(
    error: unknown,
    unverified: JWTPayload,
    nowMs: number,
    asymmetric: boolean,
  ): unknown {
    const invalid = (message: string) => new IdentityError(IDENTITY_ERROR.INVALID, message, error);
    if (error instanceof errors.JWTExpired) {
      const ago = Math.floor(nowMs / 1000) - Number(unverified.exp);
      return new IdentityError(
        IDENTITY_ERROR.EXPIRED,
        `The Supabase access token expired ${Number.isFinite(ago) ? `${ago} seconds ago` : ''}; the page must pass a fresh one (supabase.auth.getSession() refreshes it)`,
        error,
      );
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'aud') {
        return invalid(
          `The Supabase access token's audience ("aud") is not ${JSON.stringify(this.settings.audience)}: only signed-in users' access tokens are accepted`,
        );
      }
      if (error.claim === 'nbf')
        return invalid('The Supabase access token is not valid yet ("nbf")');
      if (error.claim === 'iss') return invalid(this.issuerMismatch(unverified.iss));
      return invalid(
        `The Supabase access token's "${error.claim}" claim is missing or invalid (${error.reason})`,
      );
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return new IdentityError(IDENTITY_ERROR.ALGORITHM, error.message, error);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return invalid("The Supabase access token is not signed with the project's keys");
    }
    if (
      error instanceof errors.JWKSNoMatchingKey ||
      error instanceof errors.JWKSMultipleMatchingKeys
    ) {
      return invalid(
        'The Supabase access token\'s signing key ("kid") is not one of the project\'s keys',
      );
    }
    if (
      error instanceof errors.JWSInvalid ||
      error instanceof errors.JWTInvalid ||
      error instanceof errors.JOSENotSupported
    ) {
      return invalid('"identity" is not a valid Supabase access token');
    }
    // Anything else came from fetching the JWKS: a timeout, a network error, a bad answer.
    if (!asymmetric) return error;
    return new SupabaseKeysUnavailableError(
      `Supabase's signing keys could not be fetched from ${this.settings.jwksUrl}; try again shortly`,
      error,
    );
  }

  private userOf(payload: JWTPayload, nowMs: number): SupabaseUser {
    if (payload.role !== SUPABASE_USER_ROLE) {
      throw new IdentityError(
        IDENTITY_ERROR.INVALID,
        `The Supabase access token's "role" is ${JSON.stringify(String(payload.role).slice(0, 40))}; only signed-in users ("${SUPABASE_USER_ROLE}") are accepted`,
      );
    }
    if (typeof payload.iat === 'number' && payload.iat > nowMs / 1000 + CLOCK_SKEW_SECONDS) {
      throw new IdentityError(
        IDENTITY_ERROR.INVALID,
        'The Supabase access token is not valid yet (issued in the future, "iat")',
      );
    }
    const { sub } = payload;
    if (
      typeof sub !== 'string' ||
      sub === '' ||
      sub.length > MAX_USER_ID_LENGTH ||
      UNSAFE_NAME_CHARACTERS.test(sub)
    ) {
      throw new IdentityError(
        IDENTITY_ERROR.INVALID,
        `The Supabase access token's "sub" must be the user id: 1–${MAX_USER_ID_LENGTH} characters, no control characters`,
      );
    }
    return {
      userId: sub,
      name: metadataName(payload.user_metadata),
      anonymous: payload.is_anonymous === true,
    };
  }
}

/**
 * `full_name`, else `name`, of a token's `user_metadata`, made a display name as the widget's are
 * (NFC, trimmed, at most 40 code points); null when neither is usable. The user may edit their
 * own metadata, so it is no more trusted than the name the widget sends.
 */
function metadataName(metadata: unknown): string | null {
  if (!isRecord(metadata)) return null;
  for (const candidate of [metadata.full_name, metadata.name]) {
    if (typeof candidate !== 'string') continue;
    const name = cutToCodePoints(candidate.normalize('NFC').trim(), MAX_DISPLAY_NAME_LENGTH).trim();
    if (hasVisibleCharacter(name) && !UNSAFE_NAME_CHARACTERS.test(name)) return name;
  }
  return null;
}
