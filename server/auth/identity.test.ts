import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { identifiedParticipantId, signIdentity, verifyIdentity } from './identity.ts';

const SECRET = 'host-secret';

describe('host identity verification', () => {
  it('accepts Intercom-style hex HMAC-SHA256 signatures of the user id, in either case', () => {
    const signature = createHmac('sha256', SECRET).update('user-42').digest('hex');
    expect(signIdentity('user-42', SECRET)).toBe(signature);
    expect(verifyIdentity({ userId: 'user-42', signature }, SECRET)).toBe(true);
    expect(verifyIdentity({ userId: 'user-42', signature: signature.toUpperCase() }, SECRET)).toBe(
      true,
    );
    expect(
      verifyIdentity(
        { userId: 'ünïcode 用户', signature: signIdentity('ünïcode 用户', SECRET) },
        SECRET,
      ),
    ).toBe(true);
  });

  it.each([
    ['another user id', { userId: 'user-43', signature: signIdentity('user-42', SECRET) }],
    ['another secret', { userId: 'user-42', signature: signIdentity('user-42', 'other') }],
    [
      'a truncated signature',
      { userId: 'user-42', signature: signIdentity('user-42', SECRET).slice(0, 62) },
    ],
    [
      'base64 instead of hex',
      {
        userId: 'user-42',
        signature: createHmac('sha256', SECRET).update('user-42').digest('base64'),
      },
    ],
    ['an empty signature', { userId: 'user-42', signature: '' }],
  ])('refuses %s', (_case, identity) => {
    expect(verifyIdentity(identity, SECRET)).toBe(false);
  });

  it('gives a verified user a stable participant id', () => {
    expect(identifiedParticipantId('user-42')).toBe('user:user-42');
  });
});
