import { describe, expect, it } from 'vitest';
import { retryDelay, signWebhook, webhookBody } from './sign-webhook.ts';

describe('signWebhook', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as `openssl dgst -sha256 -hmac` computes it', () => {
    // printf '%s' '1764640000.{"id":"evt","type":"message.created"}' | openssl dgst -sha256 -hmac 'chorus-test-secret-0123456789abcdef'
    expect(
      signWebhook(
        'chorus-test-secret-0123456789abcdef',
        '{"id":"evt","type":"message.created"}',
        1_764_640_000,
      ),
    ).toBe('t=1764640000,v1=e37936df1acf5d8f26bdadc6c4576fab45137129f8834fbde8a9be113ccde806');
  });
});

describe('webhookBody', () => {
  it('is the envelope receivers parse, with none of the outbox bookkeeping', () => {
    const body = webhookBody({
      id: 'evt-1',
      type: 'message.created',
      roomId: 'lobby',
      data: { message: { id: 'm1' } },
      status: 'pending',
      attempts: 3,
      nextAttemptAt: '2026-12-02T00:00:00.000Z',
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      createdAt: '2026-12-01T00:00:00.000Z',
      deliveredAt: null,
    });
    expect(JSON.parse(body)).toEqual({
      id: 'evt-1',
      type: 'message.created',
      createdAt: '2026-12-01T00:00:00.000Z',
      roomId: 'lobby',
      data: { message: { id: 'm1' } },
    });
  });
});

describe('retryDelay', () => {
  it('doubles from the base, half of it random, and stops growing at the cap', () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4].map((attempts) => retryDelay(attempts, 2_000, 3_600_000, low))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect([1, 2, 3, 4].map((attempts) => retryDelay(attempts, 2_000, 3_600_000, high))).toEqual([
      2_000, 4_000, 8_000, 16_000,
    ]);
    expect(retryDelay(30, 2_000, 3_600_000, low)).toBe(1_800_000);
    expect(retryDelay(30, 2_000, 3_600_000, high)).toBe(3_600_000);
  });
});
