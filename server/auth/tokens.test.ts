import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from './jwt.ts';
import { createApiKeys } from './keys.ts';
import { TokenError, issueRoomToken, verifyAccessToken } from './tokens.ts';

const SECRET = 'a-secret-that-is-long-enough-for-chorus-tokens-0123';

describe('room tokens', () => {
  it('issue a JWT the hub accepts, and verify to a room grant', () => {
    const now = Date.UTC(2026, 0, 1);
    const { token, expiresAt } = issueRoomToken({
      secret: SECRET,
      roomId: 'lobby',
      participantId: 'guest:1',
      role: 'guest',
      name: 'Ada',
      ttlSeconds: 3600,
      nowMs: now,
    });
    expect(expiresAt.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(verifyJwt(token, SECRET, now)).toMatchObject({
      role: 'authenticated',
      sub: 'guest:1',
      room: 'lobby',
      name: 'Ada',
      iat: now / 1000,
      exp: now / 1000 + 3600,
    });
    expect(verifyAccessToken(token, SECRET, { nowMs: now })).toEqual({
      kind: 'room',
      roomId: 'lobby',
      participantId: 'guest:1',
      name: 'Ada',
      role: 'guest',
      expiresAt: now / 1000 + 3600,
    });
  });

  it('carry the role in chorus_role; a token without one is a guest, one with an unknown role too', () => {
    const { token } = issueRoomToken({
      secret: SECRET,
      roomId: 'help',
      participantId: 'user:olga',
      role: 'operator',
      name: 'Olga',
      ttlSeconds: 60,
    });
    expect(verifyJwt(token, SECRET)).toMatchObject({
      role: 'authenticated',
      chorus_role: 'operator',
    });
    expect(verifyAccessToken(token, SECRET)).toMatchObject({ kind: 'room', role: 'operator' });
    const claims = {
      iss: 'chorus',
      role: 'authenticated',
      sub: 'guest:2',
      room: 'help',
      name: 'G',
    };
    const exp = Math.floor(Date.now() / 1000) + 60;
    expect(verifyAccessToken(signJwt({ ...claims, exp }, SECRET), SECRET)).toMatchObject({
      role: 'guest',
    });
    expect(
      verifyAccessToken(signJwt({ ...claims, chorus_role: 'superuser', exp }, SECRET), SECRET),
    ).toMatchObject({ role: 'guest' });
  });

  it('expire, with an optional grace for refreshes', () => {
    const { token } = issueRoomToken({
      secret: SECRET,
      roomId: 'lobby',
      participantId: 'guest:1',
      role: 'guest',
      name: 'Ada',
      ttlSeconds: 60,
      nowMs: 0,
    });
    const expired = (() => {
      try {
        verifyAccessToken(token, SECRET, { nowMs: 120_000 });
      } catch (error) {
        return error;
      }
    })();
    expect(expired).toBeInstanceOf(TokenError);
    expect(expired).toMatchObject({
      expired: true,
      status: 401,
      code: 'unauthorized',
      message: expect.stringMatching(/expired/),
    });
    expect(verifyAccessToken(token, SECRET, { nowMs: 119_000, graceSeconds: 60 })).toMatchObject({
      kind: 'room',
    });
    expect(() => verifyAccessToken(token, SECRET, { nowMs: 120_000, graceSeconds: 60 })).toThrow(
      TokenError,
    );
  });

  it('recognise the service key, and refuse the anon key, forgeries and tokens without room claims', () => {
    const keys = createApiKeys(SECRET);
    expect(verifyAccessToken(keys.serviceKey, SECRET)).toEqual({ kind: 'service' });
    expect(() => verifyAccessToken(keys.anonKey, SECRET)).toThrow(/"anon" key is not a room token/);
    expect(() =>
      verifyAccessToken(createApiKeys('another-secret-entirely-0123456789').serviceKey, SECRET),
    ).toThrow(/not a valid Chorus token/);
    const { token } = issueRoomToken({
      secret: SECRET,
      roomId: 'lobby',
      participantId: '',
      role: 'guest',
      name: 'Ada',
      ttlSeconds: 60,
    });
    expect(() => verifyAccessToken(token, SECRET)).toThrow(/lacks the room, sub or name claim/);
  });
});
