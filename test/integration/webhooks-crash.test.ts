/**
 * Webhooks survive `kill -9` (docs/architecture.md §9): a server process on a real PostgreSQL is
 * killed while its POST of an event is in flight; the restarted process delivers the event once
 * the dead one's lease has expired, with the same `Chorus-Webhook-Id` and body, so the receiver
 * can deduplicate. The processes are started as `npm start` would (test/helpers/chorus-process.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startChorusChild, type ChorusChild } from '../helpers/chorus-process.ts';
import { openTestPostgres } from '../helpers/databases.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

const SECRET = randomBytes(24).toString('base64url');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  lease_owner: string | null;
}

it('delivers an event after its process was killed mid-POST and restarted, with the same id', async () => {
  const database = await openTestPostgres({ max: 2 });
  cleanups.push(() => database.sql.close());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-hooks-crash-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  let held = false;
  // The first POST of the human post's event is never answered: the process dies waiting.
  const hooks = await startWebhookReceiver(SECRET, (delivery) => {
    if (delivery.event.type !== 'message.created' || held) return 200;
    held = true;
    return 'hang';
  });
  cleanups.push(() => hooks.close());
  const env = {
    PORT: '0',
    DATABASE_URL: database.url,
    CHORUS_DATA_DIR: dataDir,
    CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
    CHORUS_LOG_LEVEL: 'info',
    CHORUS_WEBHOOK_URL: hooks.url,
    CHORUS_WEBHOOK_SECRET: SECRET,
    CHORUS_WEBHOOK_TIMEOUT_MS: '1000', // the lease is this plus 5 s
    CHORUS_OFFLINE_TOKENS_PER_SECOND: '400',
  };
  const children: ChorusChild[] = [];
  cleanups.push(() => Promise.all(children.map((child) => child.kill9())));
  const first = await startChorusChild(env);
  children.push(first);

  const session = await fetch(`${first.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'crash-hooks', name: 'Ada' }),
  });
  expect(session.status).toBe(200);
  const { token } = (await session.json()) as { token: string };
  const messageId = randomUUID();
  const posted = await fetch(`${first.url}/api/rooms/crash-hooks/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: messageId, content: 'Is anyone there?' }),
  });
  expect(posted.status).toBe(201);
  const isThePost = (delivery: (typeof hooks.received)[number]) =>
    delivery.event.type === 'message.created' && delivery.event.data.message.id === messageId;
  const cut = await waitFor(() => hooks.received.find(isThePost), {
    timeoutMs: 10_000,
    what: 'the first POST',
  });

  await first.kill9();
  const outbox = () =>
    database.sql.query<OutboxRow>(
      'select id, status, attempts, lease_owner from webhook_outbox where id = $1',
      [cut.id],
    );
  expect((await outbox()).rows[0]).toMatchObject({ status: 'pending', attempts: 1 });
  expect((await outbox()).rows[0]!.lease_owner).not.toBeNull(); // the dead process's lease

  const restarted = await startChorusChild(env);
  children.push(restarted);
  await waitFor(async () => (await outbox()).rows[0]?.status === 'delivered', {
    timeoutMs: 20_000,
    intervalMs: 100,
    what: 'the delivery after the restart',
  });
  const deliveries = hooks.received.filter(isThePost);
  expect(deliveries.map((delivery) => [delivery.id, delivery.answered])).toEqual([
    [cut.id, 'hang'],
    [cut.id, 200],
  ]);
  expect(deliveries[1]!.body).toBe(cut.body);
  expect(hooks.refused).toEqual([]);
  expect((await outbox()).rows[0]).toMatchObject({ attempts: 2, lease_owner: null });
  expect(restarted.output()).toMatch(/"event":"webhook.delivered"/);
  expect(restarted.output()).not.toContain(SECRET);
  await restarted.stop();
}, 60_000);
