/**
 * Webhooks (docs/architecture.md §9) as a receiver sees them: every event signed and verified the
 * way a receiver does it (test/helpers/webhook-receiver.ts), the three event types from a running
 * server, retries after failures with growing waits, and giving up after the last attempt.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLevel } from '../../server/lib/logger.ts';
import { createPostgresStores, type PostgresStores } from '../../server/store/postgres-stores.ts';
import { signWebhook } from '../../server/webhooks/sign-webhook.ts';
import { WebhookWorker } from '../../server/webhooks/webhook-worker.ts';
import { checkAnswer } from '../http/answers.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { openTestPGlite } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  startWebhookReceiver,
  verifyChorusSignature,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.ts';

const SECRET = randomBytes(24).toString('base64url'); // 32 characters
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(respond?: Parameters<typeof startWebhookReceiver>[1]) {
  const started = await startWebhookReceiver(SECRET, respond);
  cleanups.push(() => started.close());
  return started;
}

/** A REST call to the running server, its answer checked against the contract. */
async function call(
  server: TestChorusServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const answer = {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text,
    body: text ? JSON.parse(text) : null,
  };
  checkAnswer(method, path.split('?')[0]!, answer);
  return answer;
}

describe('a receiver verifying Chorus-Signature', () => {
  it('accepts the exact body signed with the secret, and refuses a changed body, another secret, an old timestamp', () => {
    const body = JSON.stringify({ id: randomUUID(), type: 'message.created' });
    const now = Math.floor(Date.now() / 1000);
    const header = signWebhook(SECRET, body, now);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyChorusSignature(SECRET, header, body, now)).toBeNull();
    expect(verifyChorusSignature(SECRET, header, `${body} `, now)).toBe('signature mismatch');
    expect(verifyChorusSignature(`${SECRET}x`, header, body, now)).toBe('signature mismatch');
    expect(verifyChorusSignature(SECRET, header, body, now + 301)).toBe('timestamp too old');
    expect(verifyChorusSignature(SECRET, signWebhook(SECRET, body, now - 3600), body, now)).toBe(
      'timestamp too old',
    );
    expect(verifyChorusSignature(SECRET, 'v1=abc', body, now)).toBe('malformed signature');
  });
});

describe('webhooks from a running server', () => {
  it('POSTs message.created, reply.completed with the stored reply, and conversation.status_changed, each signed', async () => {
    const hooks = await receiver();
    const server = await startChorusServer({
      env: {
        CHORUS_WEBHOOK_URL: hooks.url,
        CHORUS_WEBHOOK_SECRET: SECRET,
        CHORUS_OFFLINE_TOKENS_PER_SECOND: '400',
      },
    });
    cleanups.push(() => server.close());
    const support = `help-${randomUUID().slice(0, 8)}`;
    const saved = await call(server, 'PUT', `/api/admin/rooms/${support}`, {
      token: server.adminKey,
      body: { title: 'Help desk', kind: 'support' },
    });
    expect(saved.status, saved.text).toBe(201);
    const visitor = await call(server, 'POST', '/api/session', {
      body: { room: support, name: 'Vera' },
    });
    expect(visitor.status, visitor.text).toBe(200);
    const conversation: string = visitor.body.room.id;
    const token: string = visitor.body.token;

    const posted = await call(server, 'POST', `/api/rooms/${conversation}/messages`, {
      token,
      body: { id: randomUUID(), content: 'Where is my order?' },
    });
    expect(posted.status, posted.text).toBe(201);
    const reply = await waitFor(
      () => hooks.received.find((delivery) => delivery.event.type === 'reply.completed'),
      { timeoutMs: 15_000, what: 'reply.completed' },
    );
    const handoff = await call(server, 'POST', `/api/rooms/${conversation}/handoff`, {
      token,
      body: { to: 'human' },
    });
    expect(handoff.body).toEqual({ status: 'waiting' });
    await waitFor(() => hooks.received.length >= 3, { timeoutMs: 5_000, what: '3 deliveries' });

    expect(hooks.refused).toEqual([]);
    expect(hooks.received.map((delivery) => delivery.event.type).sort()).toEqual([
      'conversation.status_changed',
      'message.created',
      'reply.completed',
    ]);
    for (const delivery of hooks.received) {
      expect(delivery.id).toBe(delivery.event.id);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['chorus-webhook-type']).toBe(delivery.event.type);
      expect(delivery.event.roomId).toBe(conversation);
      expect(JSON.stringify(delivery.headers)).not.toContain(SECRET);
    }
    const created = hooks.received.find((delivery) => delivery.event.type === 'message.created')!;
    expect(created.event.data).toEqual({ message: posted.body.message });

    const stored = await call(server, 'GET', `/api/rooms/${conversation}/messages`, { token });
    const storedReply = stored.body.messages.find(
      (message: { author: { kind: string } }) => message.author.kind === 'agent',
    );
    expect(reply.event.data).toEqual({ message: storedReply });
    expect(storedReply).toMatchObject({ status: 'complete', replyTo: posted.body.message.id });

    const changed = hooks.received.find(
      (delivery) => delivery.event.type === 'conversation.status_changed',
    )!;
    expect(changed.event.data).toEqual({
      conversation,
      parent: support,
      status: 'waiting',
      previous: 'bot',
      by: { id: visitor.body.participant.id, name: 'Vera', role: 'guest' },
    });
    const rows = await server.store.webhooks.listEvents(conversation);
    expect(rows.map((row) => [row.status, row.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 1],
    ]);
    // Each attempt is counted in the metrics too (a scrape from this machine needs no key).
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const type of ['message.created', 'reply.completed', 'conversation.status_changed'])
      expect(metrics).toContain(
        `chorus_webhook_attempts_total{type="${type}",result="delivered"} 1`,
      );
  }, 30_000);

  it('queues nothing when webhooks are off', async () => {
    const server = await startChorusServer({ env: { CHORUS_OFFLINE_TOKENS_PER_SECOND: '400' } });
    cleanups.push(() => server.close());
    const visitor = await call(server, 'POST', '/api/session', {
      body: { room: `quiet-${randomUUID().slice(0, 8)}`, name: 'Ada' },
    });
    const room: string = visitor.body.room.id;
    await call(server, 'POST', `/api/rooms/${room}/messages`, {
      token: visitor.body.token,
      body: { id: randomUUID(), content: 'Hello' },
    });
    await waitFor(
      async () =>
        (
          await call(server, 'GET', `/api/rooms/${room}/messages`, { token: visitor.body.token })
        ).body.messages.some((message: { status: string }) => message.status === 'complete'),
      { timeoutMs: 15_000, what: 'the reply' },
    );
    expect((await server.store.sql.query('select id from webhook_outbox')).rows).toEqual([]);
  }, 30_000);
});

/** A stored message as the contract has it, for events queued by hand. */
function storedMessage(content: string) {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    roomId: 'lobby',
    position: 1,
    author: { kind: 'human' as const, id: 'guest:ada', name: 'Ada' },
    content,
    parts: [],
    status: 'complete' as const,
    seq: 0,
    replyTo: null,
    reason: null,
    model: null,
    usage: null,
    error: null,
    createdAt: now,
    updatedAt: now,
  };
}

describe('delivery attempts', () => {
  interface Logged {
    level: LogLevel;
    event: string;
    fields: Record<string, unknown>;
  }

  async function worker(
    hooks: Pick<WebhookReceiver, 'url'>,
    options: { maxAttempts?: number; timeoutMs?: number } = {},
  ): Promise<{ store: PostgresStores; logs: Logged[] }> {
    const store = createPostgresStores(await openTestPGlite());
    const logs: Logged[] = [];
    const delivering = new WebhookWorker(
      {
        outbox: store.webhooks,
        log: (level, event, fields = {}) => logs.push({ level, event, fields }),
      },
      {
        url: hooks.url,
        secret: SECRET,
        instanceId: 'test-worker',
        retryBaseDelayMs: 100,
        pollIntervalMs: 20,
        timeoutMs: options.timeoutMs ?? 2_000,
        maxAttempts: options.maxAttempts ?? 5,
      },
    );
    await delivering.start();
    cleanups.push(() => store.close());
    cleanups.push(() => delivering.close());
    return { store, logs };
  }

  it('retries after two 500s with growing, jittered waits, then delivers once, with the same id and body', async () => {
    let answered = 0;
    const arrivals: number[] = [];
    const hooks = await receiver(() => {
      arrivals.push(performance.now());
      answered += 1;
      return answered <= 2 ? 500 : 204;
    });
    const { store, logs } = await worker(hooks);
    const queued = await store.webhooks.enqueueEvent({
      type: 'reply.completed',
      roomId: 'lobby',
      data: { message: storedMessage('secret-looking content 🤫') },
    });
    await waitFor(async () => (await store.webhooks.getEvent(queued.id))?.status === 'delivered', {
      timeoutMs: 5_000,
      what: 'the delivery',
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    expect(hooks.refused).toEqual([]);
    expect(hooks.received.map((delivery) => [delivery.id, delivery.answered])).toEqual([
      [queued.id, 500],
      [queued.id, 500],
      [queued.id, 204],
    ]);
    expect(new Set(hooks.received.map((delivery) => delivery.body)).size).toBe(1);
    // Waits of base·2^(n-1), half of them random: 50–100 ms, then 100–200 ms.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(45);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(95);
    expect(await store.webhooks.getEvent(queued.id)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 204,
      lastError: null,
    });
    const attempts = logs.filter((entry) => entry.event.startsWith('webhook.'));
    expect(attempts.map((entry) => [entry.level, entry.event, entry.fields.status])).toEqual([
      ['warn', 'webhook.retry', 500],
      ['warn', 'webhook.retry', 500],
      ['info', 'webhook.delivered', 204],
    ]);
    for (const entry of attempts) {
      expect(entry.fields).toMatchObject({ eventId: queued.id, durationMs: expect.any(Number) });
      const line = JSON.stringify(entry);
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain('secret-looking content');
      expect(line).not.toContain(hooks.url);
    }
  });

  it('counts a timeout and a refused connection as failures, and marks the event failed after the last attempt', async () => {
    const hooks = await receiver(() => 'hang');
    const { store, logs } = await worker(hooks, { maxAttempts: 2, timeoutMs: 200 });
    const queued = await store.webhooks.enqueueEvent({
      type: 'message.created',
      roomId: 'lobby',
      data: { message: storedMessage('Hello') },
    });
    await waitFor(async () => (await store.webhooks.getEvent(queued.id))?.status === 'failed', {
      timeoutMs: 5_000,
      what: 'giving up',
    });
    expect(hooks.received).toHaveLength(2);
    expect(await store.webhooks.getEvent(queued.id)).toMatchObject({
      attempts: 2,
      lastStatusCode: null,
      lastError: 'timed out after 200 ms',
    });
    expect(logs.map((entry) => [entry.event, entry.fields.error])).toEqual([
      ['webhook.retry', 'timed out after 200 ms'],
      ['webhook.failed', 'timed out after 200 ms'],
    ]);

    const closedPort = await receiver();
    await closedPort.close();
    const refused = await worker(closedPort, { maxAttempts: 1 });
    const lost = await refused.store.webhooks.enqueueEvent({
      type: 'message.created',
      roomId: 'lobby',
      data: { message: storedMessage('Hello') },
    });
    await waitFor(
      async () => (await refused.store.webhooks.getEvent(lost.id))?.status === 'failed',
      { timeoutMs: 5_000, what: 'the refused connection' },
    );
    expect(await refused.store.webhooks.getEvent(lost.id)).toMatchObject({
      attempts: 1,
      lastError: 'network error ECONNREFUSED',
    });
  });
});
