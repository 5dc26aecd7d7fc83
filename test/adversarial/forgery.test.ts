/**
 * Issue 10's presence and typing forgeries against the whole server (test/adversarial/forgery.ts):
 * nothing forged reaches the other members, and the channel still works for what is allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { measureForgery } from './forgery.ts';

let server: TestChorusServer;

beforeAll(async () => {
  server = await startChorusServer({ env: { CHORUS_ALLOWED_ORIGINS: 'https://shop.example' } });
});
afterAll(async () => {
  await server.close();
});

describe('presence and typing forgery against a running server', () => {
  it('lets no forged presence or typing through to 20 listening members, and refuses a foreign origin', async () => {
    const figures = await measureForgery(server.url, { listeners: 20 });
    expect(figures).toMatchObject({
      forgedPresenceAccepted: 0,
      typingBytesFannedOut: 0,
      validTypingDelivered: 20,
      foreignOriginUpgradeStatus: 403,
      listeners: 20,
    });
    expect(figures.newcomerPresenceStateBytes).toBeLessThan(21 * 250); // about 100 bytes a member, not 50 KB
    expect(figures.durationMs).toBeLessThan(10_000);
  });
});
