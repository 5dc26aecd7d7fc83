import { describe, expect, it } from 'vitest';
import { JWT_ERROR, signJwt, verifyJwt } from './jwt.ts';

const secret = 'a-secret-that-is-long-enough-for-tests-000000';
const now = Date.UTC(2026, 10, 22);
const inAnHour = now / 1000 + 3600;
const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('verifyJwt', () => {
  it('accepts a token it signed and returns its claims', () => {
    const token = signJwt({ role: 'authenticated', exp: inAnHour, room: 'lobby' }, secret);
    expect(verifyJwt(token, secret, now)).toEqual({
      role: 'authenticated',
      exp: inAnHour,
      room: 'lobby',
    });
  });

  it.each([
    ['not a string', 42, JWT_ERROR.MALFORMED],
    ['two segments', 'a.b', JWT_ERROR.MALFORMED],
    ['garbage segments', 'a!.b.c', JWT_ERROR.MALFORMED],
    [
      'a header that is not JSON',
      `${Buffer.from('nope').toString('base64url')}.${segment({})}.sig`,
      JWT_ERROR.MALFORMED,
    ],
    [
      'another secret',
      signJwt({ role: 'anon', exp: inAnHour }, `${secret}-other`),
      JWT_ERROR.SIGNATURE,
    ],
    [
      'alg none',
      `${segment({ alg: 'none' })}.${segment({ role: 'anon', exp: inAnHour })}.`,
      JWT_ERROR.SIGNATURE,
    ],
    [
      'an alg named like an Object property',
      `${segment({ alg: 'constructor' })}.${segment({ role: 'anon', exp: inAnHour })}.c2ln`,
      JWT_ERROR.SIGNATURE,
    ],
    ['no role', signJwt({ exp: inAnHour }, secret), JWT_ERROR.MISSING_CLAIMS],
    ['no exp', signJwt({ role: 'anon' }, secret), JWT_ERROR.MISSING_CLAIMS],
    ['exp as a string', signJwt({ role: 'anon', exp: 'tomorrow' }, secret), JWT_ERROR.INVALID_EXP],
    [
      'iat as a string',
      signJwt({ role: 'anon', exp: inAnHour, iat: 'x' }, secret),
      JWT_ERROR.INVALID_EXP,
    ],
  ])('refuses %s', (_case, token, kind) => {
    expect(() => verifyJwt(token, secret, now)).toThrow(expect.objectContaining({ kind }));
  });

  it('says how long ago an expired token expired', () => {
    const token = signJwt({ role: 'anon', exp: now / 1000 - 42 }, secret);
    expect(() => verifyJwt(token, secret, now)).toThrow(
      expect.objectContaining({
        kind: JWT_ERROR.EXPIRED,
        expiredSecondsAgo: 42,
        message: 'Token has expired',
      }),
    );
  });
});
