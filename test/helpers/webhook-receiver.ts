/**
 * A webhook receiver as a site would write one (docs/architecture.md §9): a real HTTP server that
 * reads the raw body, recomputes the HMAC of "<t>.<body>" with its copy of the secret, compares it
 * in constant time, refuses a timestamp outside its tolerance (400 for any of those), parses the
 * body with the contract, and answers what the test says.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookEventSchema, type WebhookEventBody } from '../../protocol/schemas/webhooks.ts';

/** Seconds a signature's timestamp may be off the receiver's clock (Stripe's default). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Why a `Chorus-Signature` header does not sign `body` with `secret`, or null when it does.
 * @example verifyChorusSignature(secret, request.headers['chorus-signature'], rawBody)
 */
export function verifyChorusSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string | null {
  if (!header) return 'no signature';
  const fields = header.split(',').map((field) => field.trim().split('='));
  const timestamp = Number(fields.find(([key]) => key === 't')?.[1]);
  const signatures = fields.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (!Number.isInteger(timestamp) || signatures.length === 0) return 'malformed signature';
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return 'timestamp too old';
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  const matches = signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? null : 'signature mismatch';
}

export interface ReceivedWebhook {
  /** The `Chorus-Webhook-Id` header. */
  id: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  event: WebhookEventBody;
  /** What the receiver answered (or `hang`: it never did). */
  answered: number | 'hang';
}

/** What the receiver answers a verified delivery: a status, or `hang` (never answers). */
export type Respond = (delivery: Omit<ReceivedWebhook, 'answered'>) => number | 'hang';

export interface WebhookReceiver {
  url: string;
  /** Every verified delivery, in arrival order. */
  received: ReceivedWebhook[];
  /** Deliveries refused for their signature or their body, with the reason. */
  refused: string[];
  respond: Respond;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  secret: string,
  respond: Respond = () => 200,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const refused: string[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    received,
    refused,
    respond,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8'); // the raw bytes, never re-serialized
      const problem = verifyChorusSignature(
        secret,
        request.headers['chorus-signature'] as string | undefined,
        body,
      );
      const parsed = problem ? null : webhookEventSchema.safeParse(JSON.parse(body));
      if (problem || !parsed?.success) {
        refused.push(problem ?? `not the contract's body: ${parsed?.error?.message}`);
        response.writeHead(400).end();
        return;
      }
      const delivery = {
        id: String(request.headers['chorus-webhook-id']),
        headers: request.headers,
        body,
        event: parsed.data,
      };
      const answer = receiver.respond(delivery);
      received.push({ ...delivery, answered: answer });
      if (answer !== 'hang') response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
