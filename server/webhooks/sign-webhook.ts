/**
 * The webhook wire format (docs/architecture.md §9): the body of an event and its signature,
 * `Chorus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs.
 */
import { createHmac } from 'node:crypto';
import type { WebhookEventBody } from '../../protocol/schemas/webhooks.ts';
import type { WebhookEvent } from '../store/webhook-outbox.ts';

/** The JSON body POSTed for `event`: the same bytes on every attempt. */
export function webhookBody(event: WebhookEvent): string {
  const body = {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    roomId: event.roomId,
    data: event.data,
  } as WebhookEventBody;
  return JSON.stringify(body);
}

/**
 * The `Chorus-Signature` value for `body` sent at `timestamp` (unix seconds).
 * @example signWebhook(secret, body, Math.floor(Date.now() / 1000)) // "t=1764640000,v1=5f…"
 */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/**
 * The wait before attempt `attempts + 1`: exponential from `baseMs`, capped at `maxMs`, with
 * "equal jitter" (half of it random) so receivers that came back are not hit by every sender at once.
 */
export function retryDelay(
  attempts: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}
