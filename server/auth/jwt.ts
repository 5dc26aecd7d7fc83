import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../lib/is-record.ts';

/** Claims Chorus reads from a JWT. Other claims are kept as they are. */
export interface JwtClaims {
  role?: unknown;
  exp?: unknown;
  iat?: unknown;
  sub?: unknown;
  room?: unknown;
  name?: unknown;
  [claim: string]: unknown;
}

/** Claims of a token that passed {@link verifyJwt}: `role` and `exp` are known to be present. */
export interface VerifiedClaims extends JwtClaims {
  role: string;
  exp: number;
}

export const JWT_ERROR = {
  MALFORMED: 'malformed',
  /** An `alg` the verifier does not accept (`none` included). */
  ALGORITHM: 'algorithm',
  SIGNATURE: 'signature',
  MISSING_CLAIMS: 'missing_claims',
  INVALID_EXP: 'invalid_exp',
  EXPIRED: 'expired',
} as const;
export type JwtErrorKind = (typeof JWT_ERROR)[keyof typeof JWT_ERROR];

/** Why a token was refused; `expiredSecondsAgo` is set for `expired`. */
export class JwtError extends Error {
  override readonly name = 'JwtError';
  constructor(
    readonly kind: JwtErrorKind,
    message: string,
    readonly expiredSecondsAgo = 0,
  ) {
    super(message);
  }
}

const HMAC_ALGORITHMS = new Map([
  ['HS256', 'sha256'],
  ['HS384', 'sha384'],
  ['HS512', 'sha512'],
]);

function base64UrlJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Signs `claims` as an HS256 JWT.
 * @example signJwt({ role: 'anon', exp: Math.floor(Date.now() / 1000) + 3600 }, secret)
 */
export function signJwt(claims: JwtClaims, secret: string): string {
  const body = `${base64UrlJson({ alg: 'HS256', typ: 'JWT' })}.${base64UrlJson(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(segment))
    throw new JwtError(JWT_ERROR.MALFORMED, 'The token provided is not a valid JWT');
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwtError(JWT_ERROR.MALFORMED, 'The token provided is not a valid JWT');
  }
}

/** A JWT whose signature checked out: its header and its claims, neither trusted beyond that. */
export interface SignedJwt {
  header: Record<string, unknown>;
  claims: JwtClaims;
}

/**
 * Checks a JWT's HMAC signature with `secret`, for the algorithms in `algorithms` only (all three
 * HMAC ones by default), and returns its header and claims; nothing is read from the claims.
 * Throws a {@link JwtError}: `malformed`, `algorithm` (another `alg`, `none` included) or `signature`.
 * @example const { claims } = verifySignedJwt(token, secret, { algorithms: ['HS256'] });
 */
export function verifySignedJwt(
  token: unknown,
  secret: string,
  options: { algorithms?: readonly string[] } = {},
): SignedJwt {
  if (typeof token !== 'string')
    throw new JwtError(JWT_ERROR.MALFORMED, 'The token provided is not a valid JWT');
  const segments = token.split('.');
  if (segments.length !== 3)
    throw new JwtError(JWT_ERROR.MALFORMED, 'The token provided is not a valid JWT');
  const [headerSegment, claimsSegment, signatureSegment] = segments as [string, string, string];
  const header = decodeSegment(headerSegment);
  const claims = decodeSegment(claimsSegment);
  if (!isRecord(header) || !isRecord(claims)) {
    throw new JwtError(JWT_ERROR.MALFORMED, 'The token provided is not a valid JWT');
  }
  const algorithm = typeof header.alg === 'string' ? header.alg : undefined;
  const hash =
    algorithm !== undefined &&
    (options.algorithms ?? [...HMAC_ALGORITHMS.keys()]).includes(algorithm)
      ? HMAC_ALGORITHMS.get(algorithm)
      : undefined;
  if (!hash) throw new JwtError(JWT_ERROR.ALGORITHM, 'Failed to validate JWT signature');
  if (!/^[A-Za-z0-9_-]+$/.test(signatureSegment))
    throw new JwtError(JWT_ERROR.SIGNATURE, 'Failed to validate JWT signature');
  const expected = createHmac(hash, secret).update(`${headerSegment}.${claimsSegment}`).digest();
  const actual = Buffer.from(signatureSegment, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new JwtError(JWT_ERROR.SIGNATURE, 'Failed to validate JWT signature');
  }
  return { header, claims };
}

/**
 * Verifies a JWT the way Supabase Realtime does: HMAC signature with the shared secret, then
 * `role` and `exp` present, `exp` a number in the future, `iat` (when present) a number.
 * Throws a {@link JwtError} whose message is Supabase's text for that failure (an algorithm
 * other than HS256/384/512 is a `signature` failure, as there).
 */
export function verifyJwt(token: unknown, secret: string, nowMs = Date.now()): VerifiedClaims {
  let claims: JwtClaims;
  try {
    claims = verifySignedJwt(token, secret).claims;
  } catch (error) {
    if (error instanceof JwtError && error.kind === JWT_ERROR.ALGORITHM)
      throw new JwtError(JWT_ERROR.SIGNATURE, error.message);
    throw error;
  }
  if (!('role' in claims) || !('exp' in claims)) {
    throw new JwtError(JWT_ERROR.MISSING_CLAIMS, 'Fields `role` and `exp` are required in JWT');
  }
  if (typeof claims.role !== 'string') {
    throw new JwtError(JWT_ERROR.MISSING_CLAIMS, 'Fields `role` and `exp` are required in JWT');
  }
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw new JwtError(JWT_ERROR.INVALID_EXP, 'Token expiration time is invalid');
  }
  if ('iat' in claims && typeof claims.iat !== 'number') {
    throw new JwtError(JWT_ERROR.INVALID_EXP, 'Token expiration time is invalid');
  }
  const secondsLeft = claims.exp - Math.floor(nowMs / 1000);
  if (secondsLeft <= 0) {
    throw new JwtError(JWT_ERROR.EXPIRED, 'Token has expired', -secondsLeft);
  }
  return claims as VerifiedClaims;
}
